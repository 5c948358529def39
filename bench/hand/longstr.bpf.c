/* config = { max_strlen = 1024 }
 * tracepoint:syscalls:sys_enter_openat /pid == P/ { @[str(args->filename)] = count(); }
 * The 1024-byte key does not fit the 512-byte stack: it is built in a
 * per-CPU array slot, cleared first (bpf_probe_read_user_str stops at the
 * NUL and leaves what follows, which is part of the hashed key), then
 * filled by the helper and used as the key in place. */
#include "common.h"

#define STRLEN 1024

/* 8-byte aligned, so the clearing is 128 8-byte stores */
struct key {
	char s[STRLEN];
} __attribute__((aligned(8)));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct key);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct key);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int longstr(struct sys_enter_openat *ctx)
{
	if (!FROM_TARGET())
		return 0;
	__u32 zero = 0;
	struct key *k = bpf_map_lookup_elem(&scratch, &zero);
	if (!k)
		return 0;
	__builtin_memset(k, 0, sizeof(*k));
	bpf_probe_read_user_str(k->s, sizeof(k->s), ctx->filename);
	__u64 *v = bpf_map_lookup_elem(&at, k);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&at, k, &one, BPF_NOEXIST);
	}
	return 0;
}
