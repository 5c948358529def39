/*
 * pin.c - map pinning for --pin DIR (see pin.h).
 */
#define _GNU_SOURCE
#include "runtime/pin.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kernel/tracefs.h"

const char *pin_name(const char *map_name, char *buf, size_t size)
{
	const char *n = map_name[0] == '@' ? map_name + 1 : map_name;
	snprintf(buf, size, "%s", *n ? n : "_");
	return buf;
}

static int add_path(struct pin_state *ps, const char *path)
{
	char **np = realloc(ps->paths, (ps->npaths + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	ps->paths = np;
	if (!(np[ps->npaths] = strdup(path)))
		return -ENOMEM;
	ps->npaths++;
	return 0;
}

static int resolve_dir(const char *dir, char *out, size_t size, char *err, size_t errsz)
{
	if (dir[0] == '/') {
		snprintf(out, size, "%s", dir);
	} else {
		char root[PATH_MAX / 2], note[256];
		int rc = bpffs_dir(root, sizeof(root), note, sizeof(note));
		if (rc) {
			snprintf(err, errsz, "cannot find or mount the BPF filesystem: %s",
				 strerror(-rc));
			return rc;
		}
		if (note[0])
			fprintf(stderr, "sonde: note: %s\n", note);
		snprintf(out, size, "%s/%s", root, dir);
	}
	size_t n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = 0;
	return 0;
}

/* The record of the pins about to be made: "CREATED_DIR DIR", then
 * "MAP_ID PATH" per pin. */
static void record_pins(struct pin_state *ps, const char *dir, const struct manifest *m,
			struct bpf_map **maps)
{
	size_t cap = 64 + strlen(dir), len = 0;
	for (uint32_t i = 0; i < m->nmaps; i++)
		cap += 32 + strlen(dir) + strlen(m->maps[i].name);
	char *body = malloc(cap);
	if (!body)
		return;
	len += (size_t)snprintf(body, cap, "%d %s\n", ps->created_dir ? 1 : 0, dir);
	for (uint32_t i = 0; i < m->nmaps; i++) {
		if (!maps[i])
			continue;
		struct bpf_map_info info = {0};
		uint32_t ilen = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_map__fd(maps[i]), &info, &ilen))
			continue;
		char name[256];
		pin_name(m->maps[i].name, name, sizeof(name));
		len += (size_t)snprintf(body + len, cap - len, "%u %s/%s\n", info.id, dir, name);
	}
	leftover_begin(&ps->rec, LEFTOVER_KIND_PIN, body);
	free(body);
}

int pin_undo_leftover(long pid, uint64_t netns, const char *body)
{
	(void)netns; /* the BPF filesystem is not per network namespace */
	int created_dir;
	char dir[PATH_MAX];
	if (sscanf(body, "%d %4095[^\n]", &created_dir, dir) != 2)
		return 0;
	int removed = 0;
	for (const char *line = strchr(body, '\n'); line && *++line; line = strchr(line, '\n')) {
		unsigned id;
		char path[PATH_MAX];
		if (sscanf(line, "%u %4095[^\n]", &id, path) != 2)
			continue;
		int fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		struct bpf_map_info info = {0};
		uint32_t ilen = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &ilen) && info.id == id && !unlink(path))
			removed++;
		close(fd);
	}
	if (created_dir)
		rmdir(dir); /* fails, harmlessly, when someone added files */
	if (removed)
		fprintf(stderr,
			"sonde: note: removed %d map pin%s in %s that sonde %ld left when it was "
			"killed\n",
			removed, removed == 1 ? "" : "s", dir, pid);
	return 0;
}

int pin_maps(struct pin_state *ps, const char *dir, const struct manifest *m,
	     struct bpf_map **maps, bool keep, char *err, size_t errsz)
{
	memset(ps, 0, sizeof(*ps));
	ps->rec.fd = -1;
	char path[PATH_MAX];
	int rc = resolve_dir(dir, path, sizeof(path), err, errsz);
	if (rc)
		return rc;
	if (mkdir(path, 0700) == 0) {
		ps->created_dir = true;
	} else if (errno != EEXIST) {
		rc = -errno;
		snprintf(err, errsz, "cannot create %s: %s%s", path, strerror(-rc),
			 rc == -ENOENT ? " (its parent must exist and be in the BPF filesystem)" : "");
		return rc;
	}
	if (!(ps->dir = strdup(path)))
		return -ENOMEM;
	struct statfs sfs;
	if (statfs(path, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		snprintf(err, errsz,
			 "%s is not in the BPF filesystem; pins live under its mount point "
			 "(/sys/fs/bpf): give a name, or a path there",
			 path);
		return -EINVAL;
	}
	if (!keep)
		record_pins(ps, path, m, maps);
	for (uint32_t i = 0; i < m->nmaps; i++) {
		if (!maps[i])
			continue;
		char name[256], file[PATH_MAX + 256];
		pin_name(m->maps[i].name, name, sizeof(name));
		snprintf(file, sizeof(file), "%s/%s", path, name);
		if (access(file, F_OK) == 0) {
			snprintf(err, errsz, "%s already exists (another run pinned it, or "
					     "--keep-pins left it); remove it or pin elsewhere",
				 file);
			return -EEXIST;
		}
		rc = bpf_obj_pin(bpf_map__fd(maps[i]), file);
		if (rc) {
			rc = -errno;
			snprintf(err, errsz, "pinning map %s at %s failed: %s", m->maps[i].name, file,
				 strerror(-rc));
			return rc;
		}
		chmod(file, 0600);
		if ((rc = add_path(ps, file))) {
			unlink(file);
			snprintf(err, errsz, "out of memory");
			return rc;
		}
	}
	return 0;
}

void pin_release(struct pin_state *ps, bool keep)
{
	for (size_t i = 0; i < ps->npaths; i++) {
		if (!keep && unlink(ps->paths[i]) && errno != ENOENT)
			fprintf(stderr, "sonde: cannot remove pin %s: %s\n", ps->paths[i],
				strerror(errno));
		free(ps->paths[i]);
	}
	if (ps->dir && ps->created_dir && !keep)
		rmdir(ps->dir); /* fails, harmlessly, when someone added files */
	leftover_end(&ps->rec);
	free(ps->paths);
	free(ps->dir);
	memset(ps, 0, sizeof(*ps));
	ps->rec.fd = -1;
}
