/* conf_render: the libyang configuration tree -> FRR-style text, the
 * inverse of conf_parse (show running-config, write memory). Only nodes
 * present in the tree (not defaults) are printed, in the YANG model's
 * order, so that parse(render(t)) == t and render(parse(x)) == x for text
 * in canonical form. */
#ifndef RIPD_MEP_CONF_RENDER_H
#define RIPD_MEP_CONF_RENDER_H

#include <libyang/libyang.h>

#include "strbuf.h"

/* Append the text of tree (may be NULL: nothing configured) to out. */
void conf_render(const struct lyd_node *tree, struct strbuf *out);

#endif
