/*
 * import.c - `import "file.bt";` (bpftrace 0.26): where an imported script
 * is found, that each file is read once, and that a file does not import
 * itself through others. The parser parses what this opens (grammar/).
 */
#include "front/import.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct import_rec {
	char *real;      /* realpath, which says whether two paths are one file */
	int file;        /* its source in the diagnostic sink, -1 for the script */
	struct loc loc;  /* the import that read it first */
	bool active;     /* being parsed: importing it again is a cycle */
	struct import_rec *next;
};

static struct import_rec *find_rec(struct ast_program *prog, const char *real)
{
	for (struct import_rec *r = prog->imports; r; r = r->next)
		if (!strcmp(r->real, real))
			return r;
	return NULL;
}

static struct import_rec *add_rec(struct arena *a, struct ast_program *prog, const char *real,
				  int file, struct loc loc)
{
	struct import_rec *r = arena_alloc(a, sizeof(*r));
	r->real = arena_strndup(a, real, strlen(real));
	r->file = file;
	r->loc = loc;
	r->active = true;
	r->next = prog->imports;
	prog->imports = r;
	return r;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* The directory of the importing source: its name when it is a file on
 * disk ("-e", stdin and the stdlib are relative to the working directory). */
static char *importer_dir(struct arena *a, const struct diag_source *src)
{
	if (!is_file(src->name))
		return NULL;
	const char *slash = strrchr(src->name, '/');
	if (!slash)
		return NULL;
	return arena_strndup(a, src->name, (size_t)(slash - src->name) + (slash == src->name));
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int import_open(struct arena *a, struct diag *d, struct ast_program *prog, int importer,
		struct loc loc, const char *path)
{
	const struct diag_source *src = &d->sources[importer];
	/* the importing script counts as read and being parsed */
	char real[PATH_MAX];
	if (prog->import_depth == 0 && is_file(src->name) && realpath(src->name, real) &&
	    !find_rec(prog, real))
		add_rec(a, prog, real, importer, (struct loc){0});

	if (!*path) {
		diag_error(d, loc, "import of an empty path");
		return -1;
	}
	/* relative to the importing script, then each -I directory */
	const char *found = NULL;
	char *dir = NULL;
	if (path[0] == '/') {
		if (is_file(path) || is_dir(path))
			found = path;
	} else {
		dir = importer_dir(a, src);
		char *cand = dir ? arena_printf(a, "%s/%s", dir, path) : arena_strndup(a, path, strlen(path));
		if (is_file(cand) || is_dir(cand))
			found = cand;
		for (int i = 0; !found && i < prog->ninclude_dirs; i++) {
			cand = arena_printf(a, "%s/%s", prog->include_dirs[i], path);
			if (is_file(cand) || is_dir(cand))
				found = cand;
		}
	}
	if (!found) {
		diag_error(d, loc, "cannot import \"%s\": no such file%s%s%s", path,
			   path[0] == '/' ? "" : dir ? " in " : " in the working directory",
			   path[0] == '/' || !dir ? "" : dir,
			   path[0] == '/' || prog->ninclude_dirs == 0 ? "" : " or in the -I directories");
		return -1;
	}
	if (is_dir(found)) {
		diag_error(d, loc, "cannot import \"%s\": it is a directory; sonde imports script "
			   "files (.bt)", path);
		return -1;
	}
	if (!ends_with(found, ".bt")) {
		diag_error(d, loc, "cannot import \"%s\": sonde imports bpftrace scripts (.bt); "
			   "C headers are included with #include", path);
		return -1;
	}
	if (!realpath(found, real)) {
		diag_error(d, loc, "cannot import \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct import_rec *r = find_rec(prog, real);
	if (r && r->active) {
		diag_error(d, loc, "import cycle: \"%s\" is already being imported", path);
		if (r->loc.first_line == 0)
			diag_note(d, (struct loc){0}, "%s is the script being run", d->sources[r->file].name);
		else
			diag_note(d, r->loc, "%s is imported here first", d->sources[r->file].name);
		return -1;
	}
	if (r)
		return -2; /* imported already: once is enough */
	size_t len;
	char *text = read_all(found, &len);
	if (!text) {
		diag_error(d, loc, "cannot import \"%s\": %s", path, strerror(errno));
		return -1;
	}
	char *copy = arena_strndup(a, text, len);
	free(text);
	int file = diag_add_source(d, arena_strndup(a, found, strlen(found)), copy, len);
	if (file < 0) {
		diag_error(d, loc, "cannot import \"%s\": too many source files", path);
		return -1;
	}
	add_rec(a, prog, real, file, loc);
	return file;
}

void import_done(struct ast_program *prog, int file)
{
	for (struct import_rec *r = prog->imports; r; r = r->next)
		if (r->file == file)
			r->active = false;
}
