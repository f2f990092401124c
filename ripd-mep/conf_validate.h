/* conf_validate: whole-tree validation of a configuration with libyang,
 * and libyang's errors turned into the configuration's words.
 *
 * libyang reports data paths ("/ripd-mep:mep/gateway[name='M1']/...")
 * and schema nodes; the message names instead the object ("gateway M1",
 * "community C", "probe", "rim", "ipsec" or "mep") and, through the
 * caller's map, the line that defined it: "FILE:LINE: OBJECT: MESSAGE".
 * The model's "rule N: ..." error-messages are kept; a dangling reference
 * reads "center M9: rule 8: no gateway M9 is configured"; a missing
 * mandatory node is named with the object that lacks it; a rule that a
 * default the user never typed violates says so (implied defaults). */
#ifndef RIPD_MEP_CONF_VALIDATE_H
#define RIPD_MEP_CONF_VALIDATE_H

#include <libyang/libyang.h>

#include "strbuf.h"

/* Validate *tree (LYD_VALIDATE_NO_STATE; this adds the implicit default
 * nodes) and on error write "FILE:LINE: object: message" to err (":LINE"
 * omitted when unknown), line_of (may be NULL) mapping a data path to a
 * line. Returns 0 when valid or empty, -1 otherwise. */
int conf_validate_tree(const struct ly_ctx *ctx, struct lyd_node **tree,
		       const char *file,
		       int (*line_of)(const void *arg, const char *path),
		       const void *arg, struct strbuf *err);

#endif
