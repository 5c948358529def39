/*
 * maps.c - maps and what they store: the storage type of values and
 * keys, unification of the types seen at every use, the aggregation kind
 * of each map, and the checks that need every use seen (finish_maps).
 */
#include <bpf/libbpf.h>
#include <string.h>

#include "kernel/features.h"
#include "sema/sema_internal.h"

/* Aggregations a probe can read: summed over the CPUs with
 * bpf_map_lookup_percpu_elem (Linux 5.19), one lookup per possible CPU. */
enum { AGG_READ_MAX_CPUS = 64 };
bool agg_readable(struct host *h, enum agg_kind k)
{
	if (!agg_infos[k].readable)
		return false;
	int ncpus = libbpf_num_possible_cpus();
	return ncpus > 0 && ncpus <= AGG_READ_MAX_CPUS &&
	       feat_has_helper(h, BPF_FUNC_map_lookup_percpu_elem);
}

/* The type a value takes when stored in a map key/value or variable:
 * integers widen to 64 bits so every use of a map agrees. A bool stays
 * one (bpftrace 0.26), so that it prints as true or false. */
struct type *storage_type(struct sema *s, struct type *t)
{
	if (!t)
		return NULL;
	if (t->kind == TYPE_BOOL)
		return t->int_in_017 ? &type_cmp_bool : &type_bool;
	if (t->kind == TYPE_INT) {
		/* an address keeps its space in a variable or map */
		struct type *wide = (t->kind == TYPE_INT && !t->is_signed && t->size == 8)
					    ? &type_u64
					    : &type_s64;
		return type_in_space(s->a, wide, t->space);
	}
	if (t->kind == TYPE_TUPLE) {
		struct type **elems = arena_alloc(s->a, t->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < t->nfields; i++)
			elems[i] = storage_type(s, t->fields[i].type);
		struct type *u = type_tuple(s->a, elems, t->nfields);
		type_tuple_names(u, t);
		return u;
	}
	if (t->kind == TYPE_RECORD || t->kind == TYPE_ARRAY) {
		/* a record, or an array of them, is copied */
		struct type *v = record_value(s, t);
		return v ? v : t;
	}
	return t;
}

/* Builtins that are u64 in expressions but never exceed 32 bits. */
bool is_32bit_builtin(const struct node *k)
{
	if (k->kind != N_IDENT)
		return false;
	int id = k->u.ident.builtin_id;
	return id >= 0 && id < BI__COUNT && (builtin_rows[id].flags & BF_U32);
}

/* Map keys keep the width of integers (a key of pid and cpu is 8 bytes, as
 * hand-written C would make it, so the kernel hashes less); values and
 * variables hold 64 bits (storage_type). */
static struct type *key_storage_type(struct sema *s, struct type *t)
{
	if (t->kind == TYPE_INT)
		return t;
	if (t->kind == TYPE_TUPLE) {
		struct type **elems = arena_alloc(s->a, t->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < t->nfields; i++)
			elems[i] = key_storage_type(s, t->fields[i].type);
		struct type *u = type_tuple(s->a, elems, t->nfields);
		type_tuple_names(u, t);
		return u;
	}
	return storage_type(s, t);
}

static struct type *unify_layout(struct sema *s, struct type *a, struct type *b);

/* Unifies two storage types: same kind, strings take the larger size, and
 * an address that may come from either keeps both spaces (space_merge).
 * Returns NULL when they cannot share storage. */
struct type *unify(struct sema *s, struct type *a, struct type *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct type *u = unify_layout(s, a, b);
	return u ? type_in_space(s->a, u, space_merge(a->space, b->space)) : NULL;
}

static struct type *unify_layout(struct sema *s, struct type *a, struct type *b)
{
	if (a->kind == TYPE_INT && b->kind == TYPE_INT) {
		if (type_equal(a, b))
			return a; /* map keys keep their width while every use agrees */
		return (a->is_signed && b->is_signed) ? &type_s64 : &type_u64;
	}
	/* a comparison's bool is an integer to bpftrace 0.17, which takes
	 * `$x = 0; $x = $a > 1;`: stored with integers it is one */
	if ((a->kind == TYPE_INT && b->kind == TYPE_BOOL && b->int_in_017) ||
	    (b->kind == TYPE_INT && a->kind == TYPE_BOOL && a->int_in_017))
		return storage_type(s, a->kind == TYPE_INT ? a : b);
	if (a->kind != b->kind)
		return NULL;
	if (a->kind == TYPE_STR)
		return a->size >= b->size ? a : b;
	if (a->kind == TYPE_TUPLE) {
		if (a->nfields != b->nfields)
			return NULL;
		/* records share storage when they have the same names, in any
		 * order (bpftrace 0.26 takes `$r = (a = 1, b = 2); $r = (b = 3,
		 * a = 4)`): the storage keeps a's order, store_value() moves
		 * each of b's fields to the one of its name */
		struct type **elems = arena_alloc(s->a, a->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < a->nfields; i++) {
			int j = tuple_field_match(a, b, i);
			if (j < 0)
				return NULL;
			elems[i] = unify(s, a->fields[i].type, b->fields[j].type);
			if (!elems[i])
				return NULL;
		}
		struct type *u = type_tuple(s->a, elems, a->nfields);
		type_tuple_names(u, a);
		return u;
	}
	return type_equal(a, b) ? a : NULL;
}

/* The key type of a map access: NULL without keys, the element's type for
 * one key, a tuple for several. */
static struct type *key_type(struct sema *s, struct node *keys, bool *ok)
{
	*ok = true;
	int n = ast_list_len(keys);
	if (n == 0)
		return NULL;
	struct type **elems = arena_alloc(s->a, (size_t)n * sizeof(*elems));
	int i = 0;
	for (struct node *k = keys; k; k = k->next) {
		struct type *t = check_expr(s, k);
		if (!t) {
			*ok = false;
			continue;
		}
		if (t->kind == TYPE_VOID) {
			diag_error(s->d, k->loc, "a map key needs a value, this has none");
			*ok = false;
			continue;
		}
		if (reject_record(s, k, t)) {
			*ok = false;
			continue;
		}
		elems[i++] = is_32bit_builtin(k) ? &type_u32 : key_storage_type(s, t);
	}
	if (!*ok)
		return NULL;
	if (n == 1)
		return elems[0];
	return type_tuple(s->a, elems, (uint32_t)n);
}

/* The key of an lpm() map: one address (pkt.saddr, a literal, ntop()),
 * which stands for its whole-length network, or a network literal
 * (10.0.0.0/8). The map's key is type_inet_net whatever the use. */
static bool lpm_key(struct sema *s, struct map_info *m, struct node *mapnode)
{
	struct node *k = mapnode->u.map.keys;
	if (!k) {
		diag_error(s->d, mapnode->loc,
		           "map '%s' is declared lpm(), so it is keyed by networks: "
		           "%s[10.0.0.0/8], %s[pkt.saddr]",
		           m->name, m->name, m->name);
		return false;
	}
	if (k->next) {
		diag_error(s->d, k->next->loc,
		           "map '%s' is declared lpm(): its key is one address or network",
		           m->name);
		return false;
	}
	if (k->kind == N_INET && k->u.inet.prefix >= 0) {
		k->type = &type_inet; /* a network literal: map_key makes the key */
		return true;
	}
	struct type *t = check_expr(s, k);
	if (!t)
		return false;
	if (t->kind != TYPE_INET) {
		diag_error(s->d, k->loc,
		           "map '%s' is declared lpm(): its key is an address (pkt.saddr, "
		           "10.0.0.1, ntop()) or a network (10.0.0.0/8), got %s",
		           m->name, type_name(s->a, t));
		return false;
	}
	return true;
}

void use_map_keys(struct sema *s, struct node *mapnode)
{
	struct map_info *m = find_map(s, mapnode->u.map.name, mapnode->loc);
	mapnode->u.map.info = m;
	if (m->lpm) {
		if (!lpm_key(s, m, mapnode)) {
			m->assign_failed = true;
			mapnode->u.map.info = NULL;
			return;
		}
		if (!m->keys_seen)
			m->keys_loc = mapnode->loc;
		m->keys_seen = m->keyed = true;
		m->key = &type_inet_net;
		return;
	}
	bool ok;
	struct type *kt = key_type(s, mapnode->u.map.keys, &ok);
	if (!ok)
		return;
	if (!m->keys_seen) {
		/* the first access decides whether the map has keys */
		m->keys_seen = true;
		m->keyed = kt != NULL;
		m->keys_loc = mapnode->loc;
	} else if (m->keyed != (kt != NULL)) {
		diag_error(s->d, mapnode->loc, "map '%s' is used %s keys here but %s keys elsewhere",
			   m->name, kt ? "with" : "without", kt ? "without" : "with");
		diag_note(s->d, m->keys_loc, "first used here");
		m->assign_failed = true; /* reported; no "never assigned" on top */
		mapnode->u.map.info = NULL;
		return;
	}
	if (kt) {
		warn_literal_bool_reading(s, kt, mapnode->loc); /* keys print at exit */
		struct type *u = unify(s, m->key, kt);
		if (!u) {
			diag_error(s->d, mapnode->loc,
				   "map '%s' key has type %s here but %s elsewhere", m->name,
				   type_name(s->a, kt), type_name(s->a, m->key));
			diag_note(s->d, m->loc, "first used here");
			return;
		}
		m->key = u;
	}
}

void set_map_kind(struct sema *s, struct map_info *m, enum agg_kind agg,
		  struct type *value, struct loc loc)
{
	if (m->limiter) {
		diag_error(s->d, loc,
			   "map '%s' keeps the state of ratelimit(), so it cannot also hold %s",
			   m->name, agg == AGG_NONE && value ? type_name(s->a, value)
							     : agg_infos[agg].name);
		diag_note(s->d, m->limiter_loc, "ratelimit() uses it here");
		return;
	}
	if (m->has_kind && m->agg != agg) {
		diag_error(s->d, loc, "map '%s' holds %s here but %s elsewhere", m->name,
			   agg_infos[agg].name, agg_infos[m->agg].name);
		diag_note(s->d, m->agg_loc, "first used here");
		return;
	}
	if (!m->has_kind) {
		m->has_kind = true;
		m->agg = agg;
		m->agg_loc = loc;
	}
	if (value) {
		/* printed at exit */
		if (agg == AGG_NONE)
			warn_literal_bool_reading(s, value, loc);
		struct type *u = unify(s, m->value, storage_type(s, value));
		if (!u) {
			diag_error(s->d, loc, "map '%s' holds %s here but %s elsewhere", m->name,
				   type_name(s->a, value), type_name(s->a, m->value));
			diag_note(s->d, m->agg_loc, "first used here");
			return;
		}
		m->value = u;
	}
}

/* Maps read before their type was known got s64; now that every use is
 * seen, make sure each map has a value type and reads agree with it. */
/* The map kinds a declaration names, as bpftrace 0.26 spells them. */
static const struct {
	const char *name;
	uint32_t bpf_type;
	bool percpu;
} map_kinds[] = {
	{"hash", BPF_MAP_TYPE_HASH, false},
	{"lruhash", BPF_MAP_TYPE_LRU_HASH, false},
	{"percpuhash", BPF_MAP_TYPE_PERCPU_HASH, true},
	{"percpulruhash", BPF_MAP_TYPE_LRU_PERCPU_HASH, true},
	{"lpm", BPF_MAP_TYPE_LPM_TRIE, false},
};

enum { MAP_DECL_MAX_ENTRIES = 1 << 24 };

/* `let @m = KIND(N);` at the top level: the declared map gets KIND's BPF
 * map type and N entries. As in bpftrace 0.26, hash and lruhash hold plain
 * values, percpuhash and percpulruhash aggregations (printed summed over
 * the CPUs, like every aggregation); a declared map that no probe uses is
 * a warning. */
static void declare_maps(struct sema *s)
{
	for (struct node *d = s->c->prog.map_decls; d; d = d->next) {
		struct node *mn = d->u.assign.lhs, *call = d->u.assign.rhs;
		int kind = -1;
		for (size_t i = 0; i < sizeof(map_kinds) / sizeof(map_kinds[0]); i++)
			if (!strcmp(map_kinds[i].name, call->u.call.name))
				kind = (int)i;
		if (kind < 0) {
			diag_error(s->d, call->loc,
				   "unknown map kind '%s'; a map is declared as hash(N), "
				   "lruhash(N), percpuhash(N), percpulruhash(N) or lpm(N)",
				   call->u.call.name);
			continue;
		}
		struct node *arg = call->u.call.args;
		if (!arg || arg->next) {
			diag_error(s->d, call->loc,
				   "%s() takes one argument, the number of entries", call->u.call.name);
			continue;
		}
		bool ok = true;
		int64_t n = const_int(s, arg, "the number of entries", &ok);
		if (!ok)
			continue;
		if (n < 1 || n > MAP_DECL_MAX_ENTRIES) {
			diag_error(s->d, arg->loc, "a map has 1 to %d entries, got %lld",
				   MAP_DECL_MAX_ENTRIES, (long long)n);
			continue;
		}
		struct map_info *m = NULL;
		for (struct map_info *x = s->c->maps; x; x = x->next)
			if (!strcmp(x->name, mn->u.map.name))
				m = x;
		if (m && m->declared) {
			diag_error(s->d, mn->loc, "map '%s' is already declared", m->name);
			diag_note(s->d, m->decl_loc, "declared here");
			continue;
		}
		if (!m) {
			diag_warning(s->d, mn->loc, "map '%s' is declared but no probe uses it",
				     mn->u.map.name);
			continue;
		}
		if (m->limiter && map_kinds[kind].percpu) {
			/* every CPU must take tokens from one bucket */
			diag_error(s->d, call->loc,
				   "map '%s' is declared %s, but ratelimit() needs one bucket "
				   "shared by every CPU; declare it hash or lruhash",
				   m->name, map_kinds[kind].name);
			diag_note(s->d, m->limiter_loc, "ratelimit() uses it here");
			continue;
		}
		if (m->has_kind && (m->agg != AGG_NONE) != map_kinds[kind].percpu) {
			if (m->lpm)
				diag_error(s->d, call->loc,
					   "map '%s' is declared lpm(), which holds integers, but it "
					   "holds %s",
					   m->name, agg_infos[m->agg].name);
			else if (map_kinds[kind].percpu)
				diag_error(s->d, call->loc,
					   "map '%s' is declared %s, which holds aggregations "
					   "(count(), sum(), ...), but it is assigned a value",
					   m->name, map_kinds[kind].name);
			else
				diag_error(s->d, call->loc,
					   "map '%s' is declared %s, which holds plain values, but it "
					   "holds %s; declare it percpuhash or percpulruhash",
					   m->name, map_kinds[kind].name, agg_infos[m->agg].name);
			diag_note(s->d, m->agg_loc, "its kind is fixed here");
			continue;
		}
		if (m->lpm && !m->has_kind) {
			/* a set: `ADDR in @m` only, filled by --map-file or
			 * through a pin; it holds integers (1 for a member) */
			m->has_kind = true;
			m->agg = AGG_NONE;
			m->value = &type_s64;
			m->agg_loc = mn->loc;
		}
		if (m->lpm && m->value && !is_int(m->value) && m->value->kind != TYPE_BOOL) {
			diag_error(s->d, m->agg_loc,
				   "map '%s' is declared lpm(), which holds integers, but "
				   "it is assigned %s",
				   m->name, type_name(s->a, m->value));
			continue;
		}
		m->declared = true;
		m->decl_bpf_type = map_kinds[kind].bpf_type;
		m->decl_entries = (uint32_t)n;
		m->decl_loc = mn->loc;
	}
}

void finish_maps(struct sema *s)
{
	declare_maps(s);
	for (struct map_info *m = s->c->maps; m; m = m->next) {
		if (!m->has_kind && !m->assign_failed && s->c->probes_left_out) {
			/* assigned only in probes missing_probes left out (an END
			 * that clears what a missing kprobe stored, as in bpftrace
			 * 0.26.1's xfsdist.bt): bpftrace still makes the map, and it
			 * stays empty. An int64 map, keyed unless used without keys,
			 * is what every remaining use of an empty map reads. */
			m->has_kind = true;
			m->agg = AGG_NONE;
			m->value = &type_s64;
			m->agg_loc = m->loc;
			if (!m->keys_seen) {
				m->keys_seen = true;
				m->keyed = true;
			}
			if (m->keyed && !m->key)
				m->key = &type_s64;
		}
		if (!m->has_kind) {
			if (!m->assign_failed)
				diag_error(s->d, m->loc, "map '%s' is used but never assigned",
					   m->name);
			continue;
		}
		/* printed at exit; the types are final now (a comparison's bool
		 * stored with integers is one) */
		if (m->keyed)
			warn_cmp_bool_reading(s, m->key, m->keys_loc);
		if (m->agg == AGG_NONE)
			warn_cmp_bool_reading(s, m->value, m->agg_loc);
		for (struct early_read *r = m->early_reads; r; r = r->next) {
			if (m->limiter)
				diag_error(s->d, r->node->loc,
					   "map '%s' keeps the state of ratelimit() and cannot be "
					   "read as a value; ratelimit() itself tells whether a "
					   "token was left",
					   m->name);
			else if (m->agg != AGG_NONE && !agg_readable(s->c->host, m->agg))
				diag_error(s->d, r->node->loc,
					   "map '%s' holds %s, which is per-CPU and can only be "
					   "read when printed",
					   m->name, agg_infos[m->agg].name);
			else if (m->value && !is_int(m->value))
				diag_error(s->d, r->node->loc,
					   "map '%s' is read here as an integer, but it holds %s; "
					   "assign it before the first read",
					   m->name, type_name(s->a, m->value));
		}
		/* a map without keys holds one value: bpftrace refuses len() of
		 * it too, rather than answer 1 whether or not it was set */
		if (m->len_used && !m->keyed)
			diag_error(s->d, m->len_loc,
				   "len() counts the keys of a map, and '%s' has none", m->name);
		/* a wide tseries keeps a key's intervals in elements of their own:
		 * no one element to delete, find or count per key */
		if (m->agg == AGG_TSERIES && tseries_is_wide(m->tseries_nintervals)) {
			const char *what = m->len_used ? "len()" : m->key_op;
			if (what)
				diag_error(s->d, m->len_used ? m->len_loc : m->key_op_loc,
					   "%s of map '%s' is not supported: its tseries() keeps "
					   "more than %d intervals, each under a key of its own",
					   what, m->name, (int)TSERIES_COMPACT_MAX);
		}
		if (agg_infos[m->agg].is_unsigned)
			m->value = &type_u64;
		else if (m->agg != AGG_NONE && !m->value)
			m->value = &type_s64;
		m->keeps_sum = s->c->opts && s->c->opts->hist_sums &&
		               (m->agg == AGG_HIST || m->agg == AGG_LHIST);
	}
}

int sema_maps(struct compilation *c)
{
	struct sema s = {.c = c, .a = &c->arena, .d = c->diag};
	int before = c->diag->nerrors;
	finish_maps(&s);
	return c->diag->nerrors > before ? -1 : 0;
}
