/*
 * loc.h - a source location: which source, first and last line/column.
 *
 * This is bison's location type for the parser (api.location.type), so the
 * field names follow bison's convention. Lines and columns are 1-based;
 * columns count bytes. last_column is inclusive. `file` indexes the source
 * table of the diagnostic sink (0 is the user's script, others are stdlib
 * files) so a macro from stdlib can be reported at its definition.
 */
#ifndef SONDE_LOC_H
#define SONDE_LOC_H

struct loc {
	int file;
	int first_line, first_column;
	int last_line, last_column;
};

#endif
