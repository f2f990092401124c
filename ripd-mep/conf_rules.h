/* conf_rules: the configuration rules of SPEC.md that YANG cannot state
 * (prefix overlaps, pools on every center, load distribution with RIM,
 * implicit MEP across communities...), checked on struct mep_config.
 * Pure: no I/O. */
#ifndef RIPD_MEP_CONF_RULES_H
#define RIPD_MEP_CONF_RULES_H

#include "config.h"
#include "strbuf.h"

/* A violation: which rule (1..9), the YANG data path of the offending
 * object (so that the caller can map it to a line), and the message. */
struct conf_rule_violation {
	int rule;
	char path[512];
	char msg[512];
};

/* Check cfg. Returns the number of errors (0: valid); the first error is
 * stored in *first (if not NULL). Warnings (rule 9 and similar) are
 * appended to warnings, one line each "warning: <object>: <message>". */
int conf_rules_check(const struct mep_config *cfg,
		     struct conf_rule_violation *first,
		     struct strbuf *warnings);

#endif
