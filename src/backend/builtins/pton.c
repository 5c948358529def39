/*
 * pton.c - pton("ADDR"): the address's bytes, written into a buffer; the
 * text was checked to be an address by check_pton.
 */
#include "backend/cg_internal.h"

#include <arpa/inet.h>

LLVMValueRef emit_pton(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	uint32_t size = n->type->size;
	unsigned char bytes[16] = {0};
	inet_pton(size == 4 ? AF_INET : AF_INET6, n->u.call.args->u.str.s, bytes);
	LLVMValueRef buf = new_buf(g, size, "pton");
	for (uint32_t i = 0; i < size; i++)
		if (bytes[i])
			LLVMBuildStore(g->b, LLVMConstInt(g->i8, bytes[i], 0), gep(g, buf, i));
	return buf;
}
