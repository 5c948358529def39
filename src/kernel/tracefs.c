/*
 * tracefs.c - the kernel's tracing filesystem: where it is, what a
 * tracepoint's record looks like, and which tracepoints a glob names.
 *
 * Tracepoint programs read their arguments straight out of the raw trace
 * record, so the layout the kernel prints in events/CAT/NAME/format is the
 * ground truth for field offsets and sizes (BTF describes the C structs, not
 * these records). The parser works on spans of the caller's text and copies
 * only what it keeps into the arena. Mounting is done on demand and never
 * undone: other tools on the machine may rely on the mounts once they exist,
 * so sonde leaves them in place and tells the user it created them.
 */
#define _GNU_SOURCE /* fdopendir, openat, statfs, DT_DIR */
#include "kernel/tracefs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#define TRACEFS_DEFAULT "/sys/kernel/tracing"
#define TRACEFS_DEBUGFS "/sys/kernel/debug/tracing"
#define BPFFS_DEFAULT "/sys/fs/bpf"

/* ---- mount points ---------------------------------------------------- */

static int copy_path(char *buf, size_t size, const char *path)
{
	size_t n = strlen(path);

	if (n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	return 0;
}

static bool fs_has_magic(const char *path, long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (long)sfs.f_type == magic;
}

/* Old kernels kept the tracing files inside debugfs itself, so a directory
 * that has events/ is good enough even when the magic number is not tracefs. */
static bool is_tracing_dir(const char *path)
{
	char events[4096];
	struct stat st;

	if (fs_has_magic(path, TRACEFS_MAGIC))
		return true;
	if (snprintf(events, sizeof(events), "%s/events", path) >= (int)sizeof(events))
		return false;
	return stat(events, &st) == 0 && S_ISDIR(st.st_mode);
}

/* /proc/mounts escapes space, tab, newline and backslash as \ooo. */
static void unescape_mount_path(char *s)
{
	char *out = s;

	for (char *in = s; *in;) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* First mount point of filesystem type `fstype` in /proc/mounts, or -ENOENT. */
static int find_mount(const char *fstype, char *buf, size_t size)
{
	FILE *f = fopen("/proc/mounts", "re");
	char line[4096];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;
		char *dev = strtok_r(line, " \t\n", &save);
		char *dir = dev ? strtok_r(NULL, " \t\n", &save) : NULL;
		char *type = dir ? strtok_r(NULL, " \t\n", &save) : NULL;

		if (!type || strcmp(type, fstype) != 0)
			continue;
		unescape_mount_path(dir);
		err = copy_path(buf, size, dir);
		break;
	}
	fclose(f);
	return err;
}

static void set_note(char *note, size_t note_size, const char *fstype, const char *dir)
{
	if (note && note_size)
		snprintf(note, note_size, "sonde: mounted %s at %s", fstype, dir);
}

int tracefs_dir(char *buf, size_t size, char *note, size_t note_size)
{
	int err;

	if (note && note_size)
		note[0] = '\0';
	if (is_tracing_dir(TRACEFS_DEFAULT))
		return copy_path(buf, size, TRACEFS_DEFAULT);
	if (is_tracing_dir(TRACEFS_DEBUGFS))
		return copy_path(buf, size, TRACEFS_DEBUGFS);
	err = find_mount("tracefs", buf, size);
	if (err == 0 || err == -ENAMETOOLONG)
		return err;
	if (size < sizeof(TRACEFS_DEFAULT))
		return -ENAMETOOLONG; /* before mounting, not after */
	/* Left mounted on exit on purpose: see the comment at the top. */
	if (mount("nodev", TRACEFS_DEFAULT, "tracefs", 0, NULL) != 0)
		return -errno;
	set_note(note, note_size, "tracefs", TRACEFS_DEFAULT);
	return copy_path(buf, size, TRACEFS_DEFAULT);
}

int bpffs_dir(char *buf, size_t size, char *note, size_t note_size)
{
	int err;

	if (note && note_size)
		note[0] = '\0';
	if (fs_has_magic(BPFFS_DEFAULT, BPF_FS_MAGIC))
		return copy_path(buf, size, BPFFS_DEFAULT);
	err = find_mount("bpf", buf, size);
	if (err == 0 || err == -ENAMETOOLONG)
		return err;
	if (size < sizeof(BPFFS_DEFAULT))
		return -ENAMETOOLONG; /* before mounting, not after */
	/* Left mounted on exit on purpose, like tracefs. */
	if (mount("bpf", BPFFS_DEFAULT, "bpf", 0, NULL) != 0)
		return -errno;
	set_note(note, note_size, "bpffs", BPFFS_DEFAULT);
	return copy_path(buf, size, BPFFS_DEFAULT);
}

/* ---- format files ---------------------------------------------------- */

/* A piece of the caller's text; the parser never writes into it. */
struct span {
	const char *p;
	size_t n;
};

static struct span span_trim(struct span s)
{
	while (s.n && isspace((unsigned char)s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && isspace((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_starts(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

static bool span_eq(struct span s, const char *str)
{
	return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Decimal (or 0x hex) u32; false on anything else, including overflow. */
static bool span_u32(struct span s, uint32_t *out)
{
	char tmp[24];
	char *end;
	unsigned long long v;

	s = span_trim(s);
	if (s.n == 0 || s.n >= sizeof(tmp) || !isdigit((unsigned char)s.p[0]))
		return false;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	errno = 0;
	v = strtoull(tmp, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "char", "const char", "volatile char": a string, as opposed to u8/unsigned char bytes. */
static bool type_is_plain_char(struct span t)
{
	t = span_trim(t);
	for (;;) {
		if (span_starts(t, "const ")) {
			t.p += 6;
			t.n -= 6;
		} else if (span_starts(t, "volatile ")) {
			t.p += 9;
			t.n -= 9;
		} else {
			break;
		}
		t = span_trim(t);
	}
	return span_eq(t, "char");
}

/*
 * Splits a declaration into type, name and array bounds:
 *   "const char * filename", "char comm[16]", "u8 x[2][4]", "char buf[]",
 *   "__data_loc char[] name", "__rel_loc u8[] data".
 * array_len is the product of the bounds; 0 when any bound is empty
 * (flexible) or not a number (an unexpanded macro; fixed up by the caller).
 */
static int parse_decl(struct arena *a, struct span decl, struct tp_field *f)
{
	struct span rest = span_trim(decl);
	struct span name, ctype;
	uint32_t len = 1;
	bool numeric = true;

	while (rest.n && rest.p[rest.n - 1] == ']') {
		size_t open = rest.n - 1;
		uint32_t dim;

		while (open > 0 && rest.p[open] != '[')
			open--;
		if (rest.p[open] != '[')
			return -EINVAL;
		struct span bound = span_trim((struct span){rest.p + open + 1, rest.n - open - 2});
		if (bound.n == 0)
			len = 0;
		else if (!span_u32(bound, &dim))
			numeric = false;
		else
			len *= dim;
		f->is_array = true;
		rest.n = open;
		rest = span_trim(rest);
	}
	if (f->is_array)
		f->array_len = numeric ? len : 0;

	name.n = 0;
	while (name.n < rest.n && is_ident_char(rest.p[rest.n - 1 - name.n]))
		name.n++;
	name.p = rest.p + rest.n - name.n;
	ctype = span_trim((struct span){rest.p, rest.n - name.n});
	if (name.n == 0 || ctype.n == 0 || isdigit((unsigned char)name.p[0]))
		return -EINVAL;

	f->name = arena_strndup(a, name.p, name.n);
	f->c_type = arena_strndup(a, ctype.p, ctype.n);
	f->is_common = span_starts(name, "common_");

	bool rel = span_starts(ctype, "__rel_loc ");
	if (rel || span_starts(ctype, "__data_loc ")) {
		f->is_data_loc = true;
		f->is_rel_loc = rel;
		if (f->is_array)
			return -EINVAL; /* the [] belongs to the type, never to the name */
		return 0;
	}
	if (f->is_array)
		f->is_char_array = type_is_plain_char(ctype);
	else
		f->is_pointer = ctype.p[ctype.n - 1] == '*';
	return 0;
}

/* "\tfield:DECL;\toffset:N;\tsize:N;\tsigned:N;" - signed: is missing on old kernels. */
static int parse_field_line(struct arena *a, struct span line, struct tp_field *f)
{
	const char *p = line.p, *end = line.p + line.n;
	bool have_offset = false, have_size = false, have_decl = false;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		struct span item = span_trim((struct span){p, (size_t)((semi ? semi : end) - p)});
		const char *colon = memchr(item.p, ':', item.n);

		p = semi ? semi + 1 : end;
		if (item.n == 0)
			continue;
		if (!colon)
			return -EINVAL;
		struct span key = {item.p, (size_t)(colon - item.p)};
		struct span val = {colon + 1, item.n - key.n - 1};
		uint32_t v;

		if (span_eq(key, "field")) {
			int err = parse_decl(a, val, f);
			if (err)
				return err;
			have_decl = true;
		} else if (span_eq(key, "offset")) {
			if (!span_u32(val, &f->offset))
				return -EINVAL;
			have_offset = true;
		} else if (span_eq(key, "size")) {
			if (!span_u32(val, &f->size))
				return -EINVAL;
			have_size = true;
		} else if (span_eq(key, "signed")) {
			if (!span_u32(val, &v))
				return -EINVAL;
			f->is_signed = v != 0;
		}
		/* Unknown keys are skipped so newer kernels can add some. */
	}
	if (!have_decl || !have_offset || !have_size)
		return -EINVAL;
	/* `char comm[TASK_COMM_LEN]` on kernels that did not expand the macro. */
	if (f->is_char_array && f->array_len == 0)
		f->array_len = f->size;
	return 0;
}

static struct span next_line(const char **cursor)
{
	const char *p = *cursor;
	const char *nl = strchr(p, '\n');
	struct span line = {p, nl ? (size_t)(nl - p) : strlen(p)};

	*cursor = nl ? nl + 1 : p + line.n;
	return line;
}

int tp_format_parse(struct arena *a, const char *text, struct tp_format *out)
{
	const char *cursor;
	uint32_t nfields = 0;
	bool have_name = false;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	for (cursor = text; *cursor;) {
		struct span line = span_trim(next_line(&cursor));
		if (span_starts(line, "field:"))
			nfields++;
	}
	out->fields = nfields ? arena_alloc(a, nfields * sizeof(*out->fields)) : NULL;

	for (cursor = text; *cursor;) {
		struct span line = span_trim(next_line(&cursor));

		if (span_starts(line, "field:")) {
			int err = parse_field_line(a, line, &out->fields[out->nfields]);
			if (err)
				return err;
			out->nfields++;
		} else if (span_starts(line, "name:")) {
			struct span v = span_trim((struct span){line.p + 5, line.n - 5});
			out->name = arena_strndup(a, v.p, v.n);
			have_name = true;
		} else if (span_starts(line, "ID:")) {
			uint32_t id;
			if (!span_u32((struct span){line.p + 3, line.n - 3}, &id) || id > INT32_MAX)
				return -EINVAL;
			out->id = (int)id;
		} else if (span_starts(line, "print fmt:")) {
			break; /* the rest is the kernel's printf, of no use here */
		}
	}
	return have_name && nfields ? 0 : -EINVAL;
}

/* A path component that cannot climb out of events/ or name a hidden file. */
static bool safe_component(const char *s)
{
	return s && s[0] && s[0] != '.' && !strchr(s, '/');
}

/* Whole file into a malloc'ed NUL-terminated buffer (tracefs reports size 0). */
static int read_text_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 8192;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto err_nomem;
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			free(buf);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;

err_nomem:
	free(buf);
	close(fd);
	return -ENOMEM;
}

int tp_format_load(struct arena *a, const char *tracefs, const char *category, const char *name,
                   struct tp_format *out)
{
	char path[4096];
	char *text = NULL;
	int err;

	if (!safe_component(category) || !safe_component(name))
		return -ENOENT;
	if (snprintf(path, sizeof(path), "%s/events/%s/%s/format", tracefs, category, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	err = read_text_file(path, &text);
	if (err)
		return err == -ENOTDIR ? -ENOENT : err;
	err = tp_format_parse(a, text, out);
	free(text);
	if (err)
		return err;
	out->category = arena_strdup(a, category);
	if (!out->name)
		out->name = arena_strdup(a, name);
	return 0;
}

const struct tp_field *tp_format_field(const struct tp_format *f, const char *name)
{
	const struct tp_field *common = NULL;

	for (uint32_t i = 0; i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, name) != 0)
			continue;
		if (!f->fields[i].is_common)
			return &f->fields[i];
		if (!common)
			common = &f->fields[i];
	}
	return common;
}

static bool is_int_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

struct type *tp_field_type(struct arena *a, const struct tp_field *f, uint32_t max_strlen)
{
	if (f->is_data_loc) {
		/* c_type is "__data_loc T[]": look at T. */
		const char *elem = strchr(f->c_type, ' ');
		const char *bracket = strchr(f->c_type, '[');
		if (elem && bracket && bracket > elem &&
		    type_is_plain_char((struct span){elem, (size_t)(bracket - elem)}))
			return type_str(a, max_strlen);
	} else if (f->is_char_array) {
		/* A trailing `char buf[]` runs to the end of the record. */
		return type_str(a, f->size ? f->size : max_strlen);
	} else if (f->is_array) {
		if (f->array_len && f->size && f->size % f->array_len == 0 &&
		    is_int_size(f->size / f->array_len))
			return type_array(a, type_int(f->is_signed, f->size / f->array_len),
			                  f->array_len);
	} else if (f->is_pointer) {
		return type_int(false, f->size == 4 ? 4 : 8);
	} else if (is_int_size(f->size)) {
		return type_int(f->is_signed, f->size);
	}
	errno = ENOTSUP;
	return NULL;
}

/* ---- listing and globs ----------------------------------------------- */

bool tp_glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

/* Growable list of arena strings; only the pointer array is on the heap. */
struct name_list {
	char **v;
	size_t n, cap;
};

static int name_list_push(struct name_list *l, char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sorts the list and moves its pointer array into the arena. */
static void name_list_finish(struct arena *a, struct name_list *l, char ***out, size_t *n)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	*out = arena_alloc(a, (l->n ? l->n : 1) * sizeof(**out));
	if (l->n)
		memcpy(*out, l->v, l->n * sizeof(**out));
	*n = l->n;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static bool subdir_exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool entry_is_dir(int dirfd, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	return subdir_exists(dirfd, de->d_name);
}

/*
 * Adds PREFIX + each subdirectory of dirfd/path matching pattern (NULL
 * matches all). Literal patterns are looked up directly rather than by
 * reading a directory that can hold a thousand entries.
 */
static int collect_dirs(struct arena *a, int dirfd, const char *path, const char *pattern,
                        const char *prefix, struct name_list *out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (pattern && !has_glob(pattern)) {
		if (safe_component(pattern) && subdir_exists(fd, pattern))
			err = name_list_push(out, arena_printf(a, "%s%s", prefix, pattern));
		close(fd);
		return err;
	}
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !entry_is_dir(fd, de))
			continue;
		if (pattern && !tp_glob_match(pattern, de->d_name))
			continue;
		err = name_list_push(out, arena_printf(a, "%s%s", prefix, de->d_name));
	}
	closedir(d);
	return err;
}

static int open_events(const char *tracefs)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/events", tracefs) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int tp_expand(struct arena *a, const char *tracefs, const char *cat_pattern,
              const char *name_pattern, char ***out_names, size_t *count)
{
	struct name_list cats = {0}, names = {0};
	int events = open_events(tracefs);
	int err;

	*out_names = NULL;
	*count = 0;
	if (events < 0)
		return events;
	err = collect_dirs(a, events, ".", cat_pattern, "", &cats);
	for (size_t i = 0; !err && i < cats.n; i++) {
		char *prefix = arena_printf(a, "%s:", cats.v[i]);
		err = collect_dirs(a, events, cats.v[i], name_pattern, prefix, &names);
		if (err == -ENOENT || err == -ENOTDIR)
			err = 0; /* removed while we were listing (module unload) */
	}
	close(events);
	free(cats.v);
	if (err) {
		free(names.v);
		return err;
	}
	name_list_finish(a, &names, out_names, count);
	return 0;
}

int tp_categories(struct arena *a, const char *tracefs, char ***out, size_t *n)
{
	struct name_list cats = {0};
	int events = open_events(tracefs);
	int err;

	*out = NULL;
	*n = 0;
	if (events < 0)
		return events;
	err = collect_dirs(a, events, ".", NULL, "", &cats);
	close(events);
	if (err) {
		free(cats.v);
		return err;
	}
	name_list_finish(a, &cats, out, n);
	return 0;
}

int tp_names_in_category(struct arena *a, const char *tracefs, const char *cat, char ***out,
                         size_t *n)
{
	struct name_list names = {0};
	int events = open_events(tracefs);
	int err;

	*out = NULL;
	*n = 0;
	if (events < 0)
		return events;
	err = safe_component(cat) ? collect_dirs(a, events, cat, NULL, "", &names) : -ENOENT;
	close(events);
	if (err) {
		free(names.v);
		return err == -ENOTDIR ? -ENOENT : err;
	}
	name_list_finish(a, &names, out, n);
	return 0;
}
