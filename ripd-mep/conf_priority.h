/* conf_priority: the `mep priority` commands of a community (a CUSTOM
 * command of conf_grammar):
 *   mep priority default primary N... [secondary N...] [tertiary N...]
 *   mep priority satellite S... primary N... [secondary ...] [tertiary ...]
 *   no mep priority default
 *   no mep priority satellite S   (the rule naming S)
 * Checks the levels (rule 6: at most three, each once, a primary level,
 * a center once per rule, satellites before the levels and in one rule
 * only) with messages naming the rule and its line. Rules get ids 1, 2,
 * ... in order (the lowest free one after 255). In a file the same rule
 * twice is a duplicate; interactively a rule for the same satellite set
 * (or the default rule) replaces the old one in its place. */
#ifndef RIPD_MEP_CONF_PRIORITY_H
#define RIPD_MEP_CONF_PRIORITY_H

#include "conf_grammar.h"

/* r->t->v[r->at] is "priority"; r->block the community. */
int conf_priority_run(struct conf_run *r);
int conf_priority_no(struct conf_run *r);

#endif
