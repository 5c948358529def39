/*
 * test_parser.c - the front end on good programs: every construct of the
 * language (probe specs, predicates, brace and angle blocks in every
 * combination, statements, C expression precedence, casts, literals,
 * config and macros, comments) parses into the expected tree. Most cases
 * compare the `sonde -d` dump, which shows the tree's shape compactly;
 * the rest check node fields and locations directly. Error messages are
 * pinned in test_diag.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/ast.h"
#include "front/diag.h"
#include "front/parse.h"
#include "front/types.h"

/* types.c belongs to sema; parsed trees carry no types, so a stand-in is
 * enough when the tests are linked without it. The real one wins. */
__attribute__((weak)) const char *type_name(struct arena *a, const struct type *t)
{
	(void)a;
	(void)t;
	return "T";
}

/* One parse with its arena, sink and captured diagnostics. */
struct parsed {
	struct arena arena;
	struct diag diag;
	struct ast_program prog;
	char *errors;
	size_t errors_len;
	FILE *err_out;
	int rc;
};

static void parse_into(struct parsed *p, const char *src)
{
	p->err_out = open_memstream(&p->errors, &p->errors_len);
	assert_non_null(p->err_out);
	diag_init(&p->diag, p->err_out);
	int f = diag_add_source(&p->diag, "-e", src, strlen(src));
	p->rc = parse_program(&p->arena, &p->diag, f, &p->prog);
	fflush(p->err_out);
}

static struct parsed *parse(const char *src)
{
	struct parsed *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	arena_init(&p->arena);
	parse_into(p, src);
	return p;
}

static void parsed_free(struct parsed *p)
{
	fclose(p->err_out);
	free(p->errors);
	arena_fini(&p->arena);
	free(p);
}

static char *dump(const struct ast_program *prog)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	ast_dump(out, prog);
	fclose(out);
	return buf;
}

struct dump_case {
	const char *name;
	const char *src;
	const char *tree;
};

static const struct dump_case dump_cases[] = {
    {
        "headline",
        "probe xdp:eth0 < @len[pkt.proto] = count(); >",
        "probe #0\n"
        "  spec xdp:eth0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @len\n"
        "        field .proto\n"
        "          ident pkt\n"
        "      call count\n",
    },
    {
        "headline_nosemi",
        "probe xdp:eth0 < @len[pkt.proto] = count() >",
        "probe #0\n"
        "  spec xdp:eth0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @len\n"
        "        field .proto\n"
        "          ident pkt\n"
        "      call count\n",
    },
    {
        "angle_if_else",
        "kprobe:f < if (arg0 > 5) < @x = 1; > else < @y = 2; > >",
        "probe #0\n"
        "  spec kprobe:f\n"
        "  block <>\n"
        "    if\n"
        "      binop >\n"
        "        ident arg0\n"
        "        int 5\n"
        "      block <>\n"
        "        assign =\n"
        "          map @x\n"
        "          int 1\n"
        "      else:\n"
        "        block <>\n"
        "          assign =\n"
        "            map @y\n"
        "            int 2\n",
    },
    {
        "angle_comparison",
        "BEGIN < @a = 1 > 0; >",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block <>\n"
        "    assign =\n"
        "      map @a\n"
        "      binop >\n"
        "        int 1\n"
        "        int 0\n",
    },
    {
        "angle_predicate",
        "tracepoint:sched:sched_switch /args.prev_pid != 0/ < @[args.prev_comm] = count(); >",
        "probe #0\n"
        "  spec tracepoint:sched:sched_switch\n"
        "  predicate:\n"
        "    binop !=\n"
        "      field .prev_pid\n"
        "        ident args\n"
        "      int 0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @\n"
        "        field .prev_comm\n"
        "          ident args\n"
        "      call count\n",
    },
    {
        "language_examples",
        "probe xdp:eth0 < @len[pkt.proto] = count(); >          # the headline one-liner, "
        "verbatim\n"
        "probe tracepoint:sched:sched_switch /args.prev_pid != 0/ < @[args.prev_comm] = count(); "
        ">\n"
        "tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm, str(args.filename)); }\n"
        "kprobe:vfs_read, kprobe:vfs_write { @io[probe] = count(); }\n",
        "probe #0\n"
        "  spec xdp:eth0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @len\n"
        "        field .proto\n"
        "          ident pkt\n"
        "      call count\n"
        "probe #1\n"
        "  spec tracepoint:sched:sched_switch\n"
        "  predicate:\n"
        "    binop !=\n"
        "      field .prev_pid\n"
        "        ident args\n"
        "      int 0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @\n"
        "        field .prev_comm\n"
        "          ident args\n"
        "      call count\n"
        "probe #2\n"
        "  spec tracepoint:syscalls:sys_enter_openat\n"
        "  block {}\n"
        "    expr_stmt\n"
        "      call printf\n"
        "        string \"%s %s\\n\"\n"
        "        ident comm\n"
        "        call str\n"
        "          field .filename\n"
        "            ident args\n"
        "probe #3\n"
        "  spec kprobe:vfs_read\n"
        "  spec kprobe:vfs_write\n"
        "  block {}\n"
        "    assign =\n"
        "      map @io\n"
        "        ident probe\n"
        "      call count\n",
    },
    {
        "config_macros",
        "#!/usr/bin/env sonde\n"
        "config = { max_strlen = 128; stack_mode = perf; neg = -1; name = \"x\" }\n"
        "macro add($a, $b) { $a + $b }\n"
        "macro bump(@m, $k) < @m[$k]++ >\n"
        "BEGIN { @ = add(1, 2); bump(@c, 3) }\n",
        "config\n"
        "  assign =\n"
        "    ident max_strlen\n"
        "    int 128\n"
        "  assign =\n"
        "    ident stack_mode\n"
        "    ident perf\n"
        "  assign =\n"
        "    ident neg\n"
        "    int 18446744073709551615\n"
        "  assign =\n"
        "    ident name\n"
        "    string \"x\"\n"
        "macro add\n"
        "  params:\n"
        "    var $a\n"
        "    var $b\n"
        "  block {}\n"
        "    expr_stmt\n"
        "      binop +\n"
        "        var $a\n"
        "        var $b\n"
        "macro bump\n"
        "  params:\n"
        "    map @m\n"
        "    var $k\n"
        "  block <>\n"
        "    expr_stmt\n"
        "      incdec x++\n"
        "        map @m\n"
        "          var $k\n"
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    assign =\n"
        "      map @\n"
        "      call add\n"
        "        int 1\n"
        "        int 2\n"
        "    expr_stmt\n"
        "      call bump\n"
        "        map @c\n"
        "        int 3\n",
    },
    {
        "comments",
        "// line comment\n"
        "/* block\n"
        "   comment */ BEGIN /* inside */ { @a = 1; # hash comment\n"
        "# at line start\n"
        "  @b = 2 // trailing\n"
        "}\n",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    assign =\n"
        "      map @a\n"
        "      int 1\n"
        "    assign =\n"
        "      map @b\n"
        "      int 2\n",
    },
    {
        "specs",
        "BEGIN,END,kprobe:vfs_read+0x10, kretprobe:f*,\n"
        "  uprobe:/bin/bash:readline,uretprobe:/lib/x.so:f,usdt:/usr/lib/x.so:prov:name,\n"
        "  interval:s:1, profile:hz:99, software:cpu-clock:1000, hardware:cycles:1000000,\n"
        "  xdp:eth0, tc:veth0:ingress, rawtracepoint:sched_switch, fentry:vfs_read,\n"
        "  tracepoint:syscalls:sys_enter_* { }\n",
        "probe #0\n"
        "  spec BEGIN\n"
        "  spec END\n"
        "  spec kprobe:vfs_read+0x10\n"
        "  spec kretprobe:f*\n"
        "  spec uprobe:/bin/bash:readline\n"
        "  spec uretprobe:/lib/x.so:f\n"
        "  spec usdt:/usr/lib/x.so:prov:name\n"
        "  spec interval:s:1\n"
        "  spec profile:hz:99\n"
        "  spec software:cpu-clock:1000\n"
        "  spec hardware:cycles:1000000\n"
        "  spec xdp:eth0\n"
        "  spec tc:veth0:ingress\n"
        "  spec rawtracepoint:sched_switch\n"
        "  spec fentry:vfs_read\n"
        "  spec tracepoint:syscalls:sys_enter_*\n"
        "  block {}\n",
    },
    {
        /* the provider table says which specs take a path: aliases too,
         * and only they keep a '/' (elsewhere it opens the predicate) */
        "path specs by alias",
        "u:/bin/sh:main,ur:/bin/sh:main,U:/usr/lib/x.so:p:n,i:s:1/pid/ { }\n"
        "t:a:b/x/ { }\n",
        "probe #0\n"
        "  spec u:/bin/sh:main\n"
        "  spec ur:/bin/sh:main\n"
        "  spec U:/usr/lib/x.so:p:n\n"
        "  spec i:s:1\n"
        "  predicate:\n"
        "    ident pid\n"
        "  block {}\n"
        "probe #1\n"
        "  spec t:a:b\n"
        "  predicate:\n"
        "    ident x\n"
        "  block {}\n",
    },
    {
        "predicates",
        "tracepoint:a:b/pid == 1/{ }\n"
        "kprobe:f /(arg0 / 2) > 1 && arg1 < 3/ < >\n"
        "uprobe:/bin/sh:main /pid/ { }\n",
        "probe #0\n"
        "  spec tracepoint:a:b\n"
        "  predicate:\n"
        "    binop ==\n"
        "      ident pid\n"
        "      int 1\n"
        "  block {}\n"
        "probe #1\n"
        "  spec kprobe:f\n"
        "  predicate:\n"
        "    binop &&\n"
        "      binop >\n"
        "        binop /\n"
        "          ident arg0\n"
        "          int 2\n"
        "        int 1\n"
        "      binop <\n"
        "        ident arg1\n"
        "        int 3\n"
        "  block <>\n"
        "probe #2\n"
        "  spec uprobe:/bin/sh:main\n"
        "  predicate:\n"
        "    ident pid\n"
        "  block {}\n",
    },
    {
        "statements",
        "kprobe:f {\n"
        "  $x = 1; @m[1, \"a\"] = 2; @ = 3; @[4] = 5;\n"
        "  $x += 1; $x -= 1; $x *= 2; $x /= 2; $x %= 3; $x &= 1; $x |= 1; $x ^= 1; $x <<= 1; $x "
        ">>= 1;\n"
        "  $x++; $x--; ++@m[1, \"a\"]; --@;\n"
        "  if ($x) { drop; } else if ($x > 1) { pass } else { tx; }\n"
        "  while ($x < 10) { $x++; if ($x == 5) { break; } continue; }\n"
        "  unroll (4) { @u = 1 }\n"
        "  for ($kv : @m) { print($kv.0); }\n"
        "  delete(@m[1, \"a\"]); clear(@m); exit();\n"
        "  return;\n"
        "}\n",
        "probe #0\n"
        "  spec kprobe:f\n"
        "  block {}\n"
        "    assign =\n"
        "      var $x\n"
        "      int 1\n"
        "    assign =\n"
        "      map @m\n"
        "        int 1\n"
        "        string \"a\"\n"
        "      int 2\n"
        "    assign =\n"
        "      map @\n"
        "      int 3\n"
        "    assign =\n"
        "      map @\n"
        "        int 4\n"
        "      int 5\n"
        "    assign +=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign -=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign *=\n"
        "      var $x\n"
        "      int 2\n"
        "    assign /=\n"
        "      var $x\n"
        "      int 2\n"
        "    assign %=\n"
        "      var $x\n"
        "      int 3\n"
        "    assign &=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign |=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign ^=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign <<=\n"
        "      var $x\n"
        "      int 1\n"
        "    assign >>=\n"
        "      var $x\n"
        "      int 1\n"
        "    expr_stmt\n"
        "      incdec x++\n"
        "        var $x\n"
        "    expr_stmt\n"
        "      incdec x--\n"
        "        var $x\n"
        "    expr_stmt\n"
        "      incdec ++x\n"
        "        map @m\n"
        "          int 1\n"
        "          string \"a\"\n"
        "    expr_stmt\n"
        "      incdec --x\n"
        "        map @\n"
        "    if\n"
        "      var $x\n"
        "      block {}\n"
        "        expr_stmt\n"
        "          ident drop\n"
        "      else:\n"
        "        if\n"
        "          binop >\n"
        "            var $x\n"
        "            int 1\n"
        "          block {}\n"
        "            expr_stmt\n"
        "              ident pass\n"
        "          else:\n"
        "            block {}\n"
        "              expr_stmt\n"
        "                ident tx\n"
        "    while\n"
        "      binop <\n"
        "        var $x\n"
        "        int 10\n"
        "      block {}\n"
        "        expr_stmt\n"
        "          incdec x++\n"
        "            var $x\n"
        "        if\n"
        "          binop ==\n"
        "            var $x\n"
        "            int 5\n"
        "          block {}\n"
        "            break\n"
        "        continue\n"
        "    unroll\n"
        "      int 4\n"
        "      block {}\n"
        "        assign =\n"
        "          map @u\n"
        "          int 1\n"
        "    for\n"
        "      var $kv\n"
        "      map @m\n"
        "      block {}\n"
        "        expr_stmt\n"
        "          call print\n"
        "            field .0\n"
        "              var $kv\n"
        "    expr_stmt\n"
        "      call delete\n"
        "        map @m\n"
        "          int 1\n"
        "          string \"a\"\n"
        "    expr_stmt\n"
        "      call clear\n"
        "        map @m\n"
        "    expr_stmt\n"
        "      call exit\n"
        "    return\n",
    },
    {
        "expressions",
        "BEGIN {\n"
        "  $a = 1 + 2 * 3 - 4 - 5;\n"
        "  $b = $p ? $q : $r ? $s : $t;\n"
        "  $c = !$p && $q || $r;\n"
        "  $d = 1 << 2 >> 3 < 4 == 5 & 6 ^ 7 | 8;\n"
        "  $e = 1 <= 2 != 3 >= 4 > 5;\n"
        "  $f = -$p + +$q * ~$r - !$s;\n"
        "  $g = *$p + &$q;\n"
        "  $h = (1 + 2) * 3;\n"
        "}\n",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    assign =\n"
        "      var $a\n"
        "      binop -\n"
        "        binop -\n"
        "          binop +\n"
        "            int 1\n"
        "            binop *\n"
        "              int 2\n"
        "              int 3\n"
        "          int 4\n"
        "        int 5\n"
        "    assign =\n"
        "      var $b\n"
        "      ternary\n"
        "        var $p\n"
        "        var $q\n"
        "        ternary\n"
        "          var $r\n"
        "          var $s\n"
        "          var $t\n"
        "    assign =\n"
        "      var $c\n"
        "      binop ||\n"
        "        binop &&\n"
        "          unop !\n"
        "            var $p\n"
        "          var $q\n"
        "        var $r\n"
        "    assign =\n"
        "      var $d\n"
        "      binop |\n"
        "        binop ^\n"
        "          binop &\n"
        "            binop ==\n"
        "              binop <\n"
        "                binop >>\n"
        "                  binop <<\n"
        "                    int 1\n"
        "                    int 2\n"
        "                  int 3\n"
        "                int 4\n"
        "              int 5\n"
        "            int 6\n"
        "          int 7\n"
        "        int 8\n"
        "    assign =\n"
        "      var $e\n"
        "      binop !=\n"
        "        binop <=\n"
        "          int 1\n"
        "          int 2\n"
        "        binop >\n"
        "          binop >=\n"
        "            int 3\n"
        "            int 4\n"
        "          int 5\n"
        "    assign =\n"
        "      var $f\n"
        "      binop -\n"
        "        binop +\n"
        "          unop -\n"
        "            var $p\n"
        "          binop *\n"
        "            unop +\n"
        "              var $q\n"
        "            unop ~\n"
        "              var $r\n"
        "        unop !\n"
        "          var $s\n"
        "    assign =\n"
        "      var $g\n"
        "      binop +\n"
        "        unop *\n"
        "          var $p\n"
        "        unop &\n"
        "          var $q\n"
        "    assign =\n"
        "      var $h\n"
        "      binop *\n"
        "        binop +\n"
        "          int 1\n"
        "          int 2\n"
        "        int 3\n",
    },
    {
        "casts",
        "kprobe:f {\n"
        "  $a = (uint32)arg0;\n"
        "  $b = (struct task_struct *)curtask;\n"
        "  $c = (int8[4])arg1;\n"
        "  $d = (union u **)arg2;\n"
        "  $e = (enum e)arg3;\n"
        "  $f = (u64)(s8)arg4;\n"
        "  $g = sizeof(struct sk_buff);\n"
        "  $h = sizeof($a);\n"
        "  $i = sizeof(uint64);\n"
        "}\n",
        "probe #0\n"
        "  spec kprobe:f\n"
        "  block {}\n"
        "    assign =\n"
        "      var $a\n"
        "      cast (uint32)\n"
        "        ident arg0\n"
        "    assign =\n"
        "      var $b\n"
        "      cast (struct task_struct *)\n"
        "        ident curtask\n"
        "    assign =\n"
        "      var $c\n"
        "      cast (int8[4])\n"
        "        ident arg1\n"
        "    assign =\n"
        "      var $d\n"
        "      cast (union u **)\n"
        "        ident arg2\n"
        "    assign =\n"
        "      var $e\n"
        "      cast (enum e)\n"
        "        ident arg3\n"
        "    assign =\n"
        "      var $f\n"
        "      cast (u64)\n"
        "        cast (s8)\n"
        "          ident arg4\n"
        "    assign =\n"
        "      var $g\n"
        "      sizeof (struct sk_buff)\n"
        "    assign =\n"
        "      var $h\n"
        "      sizeof\n"
        "        var $a\n"
        "    assign =\n"
        "      var $i\n"
        "      sizeof (uint64)\n",
    },
    {
        "postfix",
        "kprobe:f {\n"
        "  $a = args.filename; $b = args->filename; $c = $p->next->prev.x;\n"
        "  $d = $arr[2][3]; $e = $t.0; $f = func(1, 2, (3, \"x\"));\n"
        "  $g = ($a, $b, $c); @m[$a, ($b, $c)] = kstack(); $h = ntop(pkt.saddr);\n"
        "  $i = @m[1]++; $j = $v--;\n"
        "}\n",
        "probe #0\n"
        "  spec kprobe:f\n"
        "  block {}\n"
        "    assign =\n"
        "      var $a\n"
        "      field .filename\n"
        "        ident args\n"
        "    assign =\n"
        "      var $b\n"
        "      field ->filename\n"
        "        ident args\n"
        "    assign =\n"
        "      var $c\n"
        "      field .x\n"
        "        field ->prev\n"
        "          field ->next\n"
        "            var $p\n"
        "    assign =\n"
        "      var $d\n"
        "      index\n"
        "        index\n"
        "          var $arr\n"
        "          int 2\n"
        "        int 3\n"
        "    assign =\n"
        "      var $e\n"
        "      field .0\n"
        "        var $t\n"
        "    assign =\n"
        "      var $f\n"
        "      call func\n"
        "        int 1\n"
        "        int 2\n"
        "        tuple 2\n"
        "          int 3\n"
        "          string \"x\"\n"
        "    assign =\n"
        "      var $g\n"
        "      tuple 3\n"
        "        var $a\n"
        "        var $b\n"
        "        var $c\n"
        "    assign =\n"
        "      map @m\n"
        "        var $a\n"
        "        tuple 2\n"
        "          var $b\n"
        "          var $c\n"
        "      call kstack\n"
        "    assign =\n"
        "      var $h\n"
        "      call ntop\n"
        "        field .saddr\n"
        "          ident pkt\n"
        "    assign =\n"
        "      var $i\n"
        "      incdec x++\n"
        "        map @m\n"
        "          int 1\n"
        "    assign =\n"
        "      var $j\n"
        "      incdec x--\n"
        "        var $v\n",
    },
    {
        "literals",
        "BEGIN { @[1] = 0x1f + 017 + 0b101 + 1_000 + 2K + 3M + 1G + 1e6 + 7u + 8ul + 9ULL + 10l + "
        "'x' + '\\n' + 18446744073709551615 + 0; }",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    assign =\n"
        "      map @\n"
        "        int 1\n"
        "      binop +\n"
        "        binop +\n"
        "          binop +\n"
        "            binop +\n"
        "              binop +\n"
        "                binop +\n"
        "                  binop +\n"
        "                    binop +\n"
        "                      binop +\n"
        "                        binop +\n"
        "                          binop +\n"
        "                            binop +\n"
        "                              binop +\n"
        "                                binop +\n"
        "                                  binop +\n"
        "                                    int 31\n"
        "                                    int 15\n"
        "                                  int 5\n"
        "                                int 1000\n"
        "                              int 2048\n"
        "                            int 3145728\n"
        "                          int 1073741824\n"
        "                        int 1000000\n"
        "                      int 7u\n"
        "                    int 8u\n"
        "                  int 9u\n"
        "                int 10\n"
        "              int 120\n"
        "            int 10\n"
        "          int 18446744073709551615u\n"
        "        int 0\n",
    },
    {
        "nesting",
        "kprobe:f { if (1) < @a = 1; > }\n"
        "kprobe:g < if (1) { @b = 2 } else < @c = 3 > >\n"
        "kprobe:h < while ($i < 3) < $i++ > >\n"
        "kprobe:i < if (1) < @a = $x >> 2; > >\n"
        "kprobe:j < if (1) < @a = 1 >>\n"
        "kprobe:k < { @z = 1 } >\n"
        "kprobe:l < >\n",
        "probe #0\n"
        "  spec kprobe:f\n"
        "  block {}\n"
        "    if\n"
        "      int 1\n"
        "      block <>\n"
        "        assign =\n"
        "          map @a\n"
        "          int 1\n"
        "probe #1\n"
        "  spec kprobe:g\n"
        "  block <>\n"
        "    if\n"
        "      int 1\n"
        "      block {}\n"
        "        assign =\n"
        "          map @b\n"
        "          int 2\n"
        "      else:\n"
        "        block <>\n"
        "          assign =\n"
        "            map @c\n"
        "            int 3\n"
        "probe #2\n"
        "  spec kprobe:h\n"
        "  block <>\n"
        "    while\n"
        "      binop <\n"
        "        var $i\n"
        "        int 3\n"
        "      block <>\n"
        "        expr_stmt\n"
        "          incdec x++\n"
        "            var $i\n"
        "probe #3\n"
        "  spec kprobe:i\n"
        "  block <>\n"
        "    if\n"
        "      int 1\n"
        "      block <>\n"
        "        assign =\n"
        "          map @a\n"
        "          binop >>\n"
        "            var $x\n"
        "            int 2\n"
        "probe #4\n"
        "  spec kprobe:j\n"
        "  block <>\n"
        "    if\n"
        "      int 1\n"
        "      block <>\n"
        "        assign =\n"
        "          map @a\n"
        "          int 1\n"
        "probe #5\n"
        "  spec kprobe:k\n"
        "  block <>\n"
        "    block {}\n"
        "      assign =\n"
        "        map @z\n"
        "        int 1\n"
        "probe #6\n"
        "  spec kprobe:l\n"
        "  block <>\n",
    },
    {
        "angle_probes",
        "xdp:eth0 < @a = count() > kprobe:f < @b = 1 > probe BEGIN < @c = 2 > END < exit() >\n"
        "tc:eth0:egress < if (pkt.len > 100) < drop; > pass > // done\n"
        "BEGIN < @t = 1 ? 2 > 1 : 3 > interval:s:1 < @ = $x > 3 >",
        "probe #0\n"
        "  spec xdp:eth0\n"
        "  block <>\n"
        "    assign =\n"
        "      map @a\n"
        "      call count\n"
        "probe #1\n"
        "  spec kprobe:f\n"
        "  block <>\n"
        "    assign =\n"
        "      map @b\n"
        "      int 1\n"
        "probe #2\n"
        "  spec BEGIN\n"
        "  block <>\n"
        "    assign =\n"
        "      map @c\n"
        "      int 2\n"
        "probe #3\n"
        "  spec END\n"
        "  block <>\n"
        "    expr_stmt\n"
        "      call exit\n"
        "probe #4\n"
        "  spec tc:eth0:egress\n"
        "  block <>\n"
        "    if\n"
        "      binop >\n"
        "        field .len\n"
        "          ident pkt\n"
        "        int 100\n"
        "      block <>\n"
        "        expr_stmt\n"
        "          ident drop\n"
        "    expr_stmt\n"
        "      ident pass\n"
        "probe #5\n"
        "  spec BEGIN\n"
        "  block <>\n"
        "    assign =\n"
        "      map @t\n"
        "      ternary\n"
        "        int 1\n"
        "        binop >\n"
        "          int 2\n"
        "          int 1\n"
        "        int 3\n"
        "probe #6\n"
        "  spec interval:s:1\n"
        "  block <>\n"
        "    assign =\n"
        "      map @\n"
        "      binop >\n"
        "        var $x\n"
        "        int 3\n",
    },
    {
        "empty_statements",
        "BEGIN { ; ; @a = 1;; } ; END {}",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    assign =\n"
        "      map @a\n"
        "      int 1\n"
        "probe #1\n"
        "  spec END\n"
        "  block {}\n",
    },
    {
        "verdicts",
        "xdp:eth0 { if (pkt.proto == IPPROTO_UDP) { drop; } redirect(\"veth1\"); tx }",
        "probe #0\n"
        "  spec xdp:eth0\n"
        "  block {}\n"
        "    if\n"
        "      binop ==\n"
        "        field .proto\n"
        "          ident pkt\n"
        "        ident IPPROTO_UDP\n"
        "      block {}\n"
        "        expr_stmt\n"
        "          ident drop\n"
        "    expr_stmt\n"
        "      call redirect\n"
        "        string \"veth1\"\n"
        "    expr_stmt\n"
        "      ident tx\n",
    },
    {
        /* address literals beside what they must not take: tuple
         * elements after '.', ranges, ternaries, '::' in specs */
        "addresses",
        "usdt::p:n { $t.0.1.2.3; $a = 10.0.0.1 == fd00::1; "
        "$b = !(x in 10.0.0.0/8) && y in ::ffff:10.0.0.0/104; $c = $a ? ::1 : 1:2:3:4:5:6:7:8; "
        "$d = $a?1:2; for $i : 0..3 { } @[x.in, a::b] = 1; }",
        "probe #0\n"
        "  spec usdt::p:n\n"
        "  block {}\n"
        "    expr_stmt\n"
        "      field .3\n"
        "        field .2\n"
        "          field .1\n"
        "            field .0\n"
        "              var $t\n"
        "    assign =\n"
        "      var $a\n"
        "      binop ==\n"
        "        inet 10.0.0.1\n"
        "        inet fd00::1\n"
        "    assign =\n"
        "      var $b\n"
        "      binop &&\n"
        "        unop !\n"
        "          binop in\n"
        "            ident x\n"
        "            inet 10.0.0.0/8\n"
        "        binop in\n"
        "          ident y\n"
        "          inet ::ffff:10.0.0.0/104\n"
        "    assign =\n"
        "      var $c\n"
        "      ternary\n"
        "        var $a\n"
        "        inet ::1\n"
        "        inet 1:2:3:4:5:6:7:8\n"
        "    assign =\n"
        "      var $d\n"
        "      ternary\n"
        "        var $a\n"
        "        int 1\n"
        "        int 2\n"
        "    for\n"
        "      var $i\n"
        "      int 0\n"
        "      int 3\n"
        "      block {}\n"
        "    assign =\n"
        "      map @\n"
        "        field .in\n"
        "          ident x\n"
        "        inet a::b\n"
        "      int 1\n",
    },
    {
        "strings",
        "BEGIN { printf(\"a\\tb\\n\\\\ \\\" \\x41\\101\\0z\"); }",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    expr_stmt\n"
        "      call printf\n"
        "        string \"a\\tb\\n\\\\ \\\" AA\\x00z\"\n",
    },
    {
        "positional",
        "BEGIN { printf(\"%d\\n\", $1); @x = $2 }",
        "probe #0\n"
        "  spec BEGIN\n"
        "  block {}\n"
        "    expr_stmt\n"
        "      call printf\n"
        "        string \"%d\\n\"\n"
        "        var $1\n"
        "    assign =\n"
        "      map @x\n"
        "      var $2\n",
    },
};

static void test_dump_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dump_cases) / sizeof(dump_cases[0]); i++) {
		const struct dump_case *c = &dump_cases[i];
		print_message("case %s\n", c->name);
		struct parsed *p = parse(c->src);
		assert_string_equal(p->errors, "");
		assert_int_equal(p->rc, 0);
		char *tree = dump(&p->prog);
		assert_string_equal(tree, c->tree);
		free(tree);
		parsed_free(p);
	}
}

static void test_empty_programs(void **state)
{
	(void)state;
	const char *const srcs[] = {"", "\n\n", "// nothing\n", "#!/usr/bin/env sonde\n",
	                            "/* x */ # y\n"};
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct parsed *p = parse(srcs[i]);
		assert_int_equal(p->rc, 0);
		assert_null(p->prog.probes);
		assert_null(p->prog.macros);
		assert_null(p->prog.config);
		parsed_free(p);
	}
}

static void test_spec_texts_and_locations(void **state)
{
	(void)state;
	struct parsed *p = parse("kprobe:vfs_read,\n  kprobe:vfs_write /pid/ { @x = count(); }");
	assert_int_equal(p->rc, 0);
	struct node *probe = p->prog.probes;
	assert_non_null(probe);
	assert_int_equal(probe->kind, N_PROBE);
	assert_int_equal(probe->u.probe.index, 0);
	struct node *s = probe->u.probe.specs;
	assert_int_equal(ast_list_len(s), 2);
	assert_int_equal(s->kind, N_SPEC);
	assert_string_equal(s->u.spec.text, "kprobe:vfs_read");
	assert_int_equal(s->loc.first_line, 1);
	assert_int_equal(s->loc.first_column, 1);
	assert_int_equal(s->loc.last_column, 15);
	s = s->next;
	assert_string_equal(s->u.spec.text, "kprobe:vfs_write");
	assert_int_equal(s->loc.first_line, 2);
	assert_int_equal(s->loc.first_column, 3);
	assert_int_equal(s->loc.last_line, 2);
	assert_int_equal(s->loc.last_column, 18);
	assert_int_equal(probe->u.probe.predicate->kind, N_IDENT);
	/* A call is located at its name, where "unknown function" points. */
	struct node *assign = probe->u.probe.body->u.block.stmts;
	assert_int_equal(assign->kind, N_ASSIGN);
	struct node *call = assign->u.assign.rhs;
	assert_int_equal(call->kind, N_CALL);
	assert_string_equal(call->u.call.name, "count");
	assert_int_equal(call->loc.first_line, 2);
	assert_int_equal(call->loc.first_column, 33);
	assert_int_equal(call->loc.last_column, 37);
	assert_int_equal(call->u.call.builtin_id, -1);
	/* The assignment spans `@x = count()`. */
	assert_int_equal(assign->loc.first_column, 28);
	assert_int_equal(assign->loc.last_column, 39);
	assert_int_equal(assign->loc.file, 0);
	parsed_free(p);
}

static void test_locations_carry_the_file(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct diag d;
	diag_init(&d, stderr);
	diag_add_source(&d, "stdlib/a.sd", "", 0);
	const char *src = "BEGIN {\n  $x = 1 + 2;\n}";
	int f = diag_add_source(&d, "-e", src, strlen(src));
	struct ast_program prog = {0};
	assert_int_equal(parse_program(&a, &d, f, &prog), 0);
	struct node *assign = prog.probes->u.probe.body->u.block.stmts;
	struct node *sum = assign->u.assign.rhs;
	assert_int_equal(sum->kind, N_BINOP);
	assert_int_equal(sum->loc.file, 1);
	assert_int_equal(sum->loc.first_line, 2);
	assert_int_equal(sum->loc.first_column, 8);
	assert_int_equal(sum->loc.last_column, 12);
	assert_int_equal(sum->u.binop.rhs->loc.file, 1);
	assert_int_equal(prog.probes->loc.file, 1);
	assert_int_equal(prog.probes->loc.last_line, 3);
	arena_fini(&a);
}

static void test_integer_values(void **state)
{
	(void)state;
	struct parsed *p = parse("BEGIN { print((0, 18446744073709551615, 9223372036854775807, "
	                         "9223372036854775808, 5u, 0x7fffffffffffffff, 1_000_000, 4K, "
	                         "'\\'', '\\x41')); }");
	assert_int_equal(p->rc, 0);
	struct node *tuple =
	    p->prog.probes->u.probe.body->u.block.stmts->u.expr_stmt.expr->u.call.args;
	assert_int_equal(tuple->kind, N_TUPLE);
	assert_int_equal(tuple->u.tuple.count, 10);
	const struct {
		uint64_t value;
		bool is_unsigned;
	} want[] = {
	    {0, false},    {UINT64_MAX, true}, {INT64_MAX, false}, {(uint64_t)INT64_MAX + 1, true},
	    {5, true},     {INT64_MAX, false}, {1000000, false},   {4096, false},
	    {'\'', false}, {'A', false},
	};
	struct node *e = tuple->u.tuple.elems;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++, e = e->next) {
		assert_non_null(e);
		assert_int_equal(e->kind, N_INT);
		assert_true(e->u.int_lit.value == want[i].value);
		assert_int_equal(e->u.int_lit.is_unsigned, want[i].is_unsigned);
	}
	assert_null(e);
	parsed_free(p);
}

static void test_string_escapes(void **state)
{
	(void)state;
	struct parsed *p = parse("BEGIN { printf(\"a\\tb\\n\\\\\\\"\\x41\\101\\0z\\e\"); }");
	assert_int_equal(p->rc, 0);
	struct node *s = p->prog.probes->u.probe.body->u.block.stmts->u.expr_stmt.expr->u.call.args;
	assert_int_equal(s->kind, N_STR);
	static const char want[] = "a\tb\n\\\"AA\0z\033";
	assert_int_equal(s->u.str.len, sizeof(want) - 1);
	assert_memory_equal(s->u.str.s, want, sizeof(want) - 1);
	assert_int_equal(s->u.str.s[s->u.str.len], 0);
	parsed_free(p);
}

static void test_casts_keep_type_details(void **state)
{
	(void)state;
	struct parsed *p =
	    parse("kprobe:f { $t = (struct task_struct **)curtask; $a = (uint8[16])arg0; }");
	assert_int_equal(p->rc, 0);
	struct node *st = p->prog.probes->u.probe.body->u.block.stmts;
	struct node *cast = st->u.assign.rhs;
	assert_int_equal(cast->kind, N_CAST);
	assert_string_equal(cast->u.cast.to.name, "task_struct");
	assert_string_equal(cast->u.cast.to.tag, "struct");
	assert_true(cast->u.cast.to.is_struct);
	assert_int_equal(cast->u.cast.to.pointer_depth, 2);
	assert_int_equal(cast->u.cast.to.array_len, -1);
	cast = st->next->u.assign.rhs;
	assert_string_equal(cast->u.cast.to.name, "uint8");
	assert_null(cast->u.cast.to.tag);
	assert_false(cast->u.cast.to.is_struct);
	assert_int_equal(cast->u.cast.to.pointer_depth, 0);
	assert_int_equal(cast->u.cast.to.array_len, 16);
	parsed_free(p);
}

static void test_field_name_locations(void **state)
{
	(void)state;
	struct parsed *p = parse("BEGIN { $x = args->filename; }");
	struct node *field = p->prog.probes->u.probe.body->u.block.stmts->u.assign.rhs;
	assert_int_equal(field->kind, N_FIELD);
	assert_true(field->u.field.arrow);
	assert_string_equal(field->u.field.name, "filename");
	assert_int_equal(field->u.field.name_loc.first_column, 20);
	assert_int_equal(field->u.field.name_loc.last_column, 27);
	assert_int_equal(field->loc.first_column, 14);
	parsed_free(p);
}

static void test_parse_appends_to_program(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct diag d;
	diag_init(&d, stderr);
	const char *lib = "macro twice($x) { $x * 2 }\nBEGIN { @lib = 1 }";
	const char *user = "macro thrice($x) < $x * 3 >\nEND { @user = twice(2) }";
	int f1 = diag_add_source(&d, "stdlib/lib.sd", lib, strlen(lib));
	int f2 = diag_add_source(&d, "-e", user, strlen(user));
	struct ast_program prog = {0};
	assert_int_equal(parse_program(&a, &d, f1, &prog), 0);
	assert_int_equal(parse_program(&a, &d, f2, &prog), 0);
	assert_int_equal(ast_list_len(prog.probes), 2);
	assert_int_equal(ast_list_len(prog.macros), 2);
	assert_int_equal(prog.probes->u.probe.index, 0);
	assert_int_equal(prog.probes->next->u.probe.index, 1);
	assert_int_equal(prog.probes->loc.file, f1);
	assert_int_equal(prog.probes->next->loc.file, f2);
	assert_string_equal(prog.macros->next->u.macro.name, "thrice");
	arena_fini(&a);
}

static void test_recovery_keeps_good_probes(void **state)
{
	(void)state;
	struct parsed *p = parse("kprobe:a { @x = ; @y = 1; }\nkprobe:b { @z = 2; }");
	assert_int_equal(p->rc, -1);
	assert_int_equal(p->diag.nerrors, 1);
	assert_int_equal(ast_list_len(p->prog.probes), 2);
	struct node *stmts = p->prog.probes->u.probe.body->u.block.stmts;
	assert_int_equal(ast_list_len(stmts), 1);
	assert_string_equal(stmts->u.assign.lhs->u.map.name, "@y");
	parsed_free(p);
}

static void test_dump_shows_types(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct loc l = {0};
	struct type t = {.kind = TYPE_INT, .size = 8, .align = 8};
	struct node *n = ast_int(&a, l, 7, false);
	n->type = &t;
	struct node *stmt = ast_new(&a, N_EXPR_STMT, l);
	stmt->u.expr_stmt.expr = n;
	struct node *body = ast_new(&a, N_BLOCK, l);
	body->u.block.stmts = stmt;
	struct node *spec = ast_new(&a, N_SPEC, l);
	spec->u.spec.text = "BEGIN";
	struct node *probe = ast_new(&a, N_PROBE, l);
	probe->u.probe.specs = spec;
	probe->u.probe.body = body;
	struct ast_program prog = {.probes = probe};
	char *got = dump(&prog);
	char want[256];
	snprintf(want, sizeof(want),
	         "probe #0\n  spec BEGIN\n  block {}\n    expr_stmt\n      int 7 : %s\n",
	         type_name(&a, &t));
	assert_string_equal(got, want);
	free(got);
	arena_fini(&a);
}

static void test_dump_survives_deep_trees(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct loc l = {0};
	struct node *e = ast_int(&a, l, 1, false);
	for (int i = 0; i < 5000; i++)
		e = ast_unop(&a, l, OP_NEG, e);
	struct node *stmt = ast_new(&a, N_EXPR_STMT, l);
	stmt->u.expr_stmt.expr = e;
	struct node *body = ast_new(&a, N_BLOCK, l);
	body->u.block.stmts = stmt;
	struct node *probe = ast_new(&a, N_PROBE, l);
	probe->u.probe.body = body;
	struct ast_program prog = {.probes = probe};
	char *got = dump(&prog);
	assert_non_null(strstr(got, "... (nesting too deep)\n"));
	free(got);
	arena_fini(&a);
}

static void test_names_and_lists(void **state)
{
	(void)state;
	assert_string_equal(ast_kind_name(N_BINOP), "binop");
	assert_string_equal(ast_kind_name(N_EXPR_STMT), "expr_stmt");
	assert_string_equal(ast_kind_name(N_CONFIG), "config");
	assert_string_equal(ast_op_name(OP_SHL), "<<");
	assert_string_equal(ast_op_name(OP_POSTDEC), "--");
	assert_string_equal(ast_op_name(OP_NONE), "");
	struct arena a;
	arena_init(&a);
	struct loc l = {0};
	struct node *x = ast_var(&a, l, "x"), *y = ast_var(&a, l, "y"), *z = ast_var(&a, l, "z");
	assert_int_equal(ast_list_len(NULL), 0);
	struct node *list = ast_append(NULL, x);
	list = ast_append(list, y);
	list = ast_append(list, z);
	assert_ptr_equal(list, x);
	assert_int_equal(ast_list_len(list), 3);
	assert_ptr_equal(x->next->next, z);
	struct node *m = ast_map(&a, l, "@m", list);
	assert_string_equal(m->u.map.name, "@m");
	assert_ptr_equal(m->u.map.keys, x);
	struct node *s = ast_str(&a, l, "a\0b", 3);
	assert_int_equal(s->u.str.len, 3);
	assert_memory_equal(s->u.str.s, "a\0b", 4);
	struct node *id = ast_ident(&a, l, "pid");
	assert_int_equal(id->u.ident.builtin_id, -1);
	arena_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dump_cases),
	    cmocka_unit_test(test_empty_programs),
	    cmocka_unit_test(test_spec_texts_and_locations),
	    cmocka_unit_test(test_locations_carry_the_file),
	    cmocka_unit_test(test_integer_values),
	    cmocka_unit_test(test_string_escapes),
	    cmocka_unit_test(test_casts_keep_type_details),
	    cmocka_unit_test(test_field_name_locations),
	    cmocka_unit_test(test_parse_appends_to_program),
	    cmocka_unit_test(test_recovery_keeps_good_probes),
	    cmocka_unit_test(test_dump_shows_types),
	    cmocka_unit_test(test_dump_survives_deep_trees),
	    cmocka_unit_test(test_names_and_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
