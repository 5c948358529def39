/*
 * pin.c - map pinning for --pin DIR (see pin.h).
 */
#define _GNU_SOURCE
#include "pin.h"

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

#include "tracefs.h"

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

int pin_maps(struct pin_state *ps, const char *dir, const struct manifest *m,
	     struct bpf_map **maps, char *err, size_t errsz)
{
	memset(ps, 0, sizeof(*ps));
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
	free(ps->paths);
	free(ps->dir);
	memset(ps, 0, sizeof(*ps));
}
