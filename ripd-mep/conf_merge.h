/* conf_merge: several operators at once. A configuration session edits a
 * copy of the running tree taken when it entered configuration mode (its
 * base); at `end` its own edits (base -> candidate) are committed onto the
 * running tree as it is now (a three-way merge), so that a colleague's
 * commit or a file reload made meanwhile is kept, not reverted.
 *
 * The history remembers, per commit, a generation number, who made it
 * ("vty session 3", "file reload") and when, and the data paths it
 * changed. An edit of the session conflicts with a later commit when
 * their paths are the same node or one contains the other (a deleted
 * gateway contains its address) and the two results differ; an edit that
 * ends where the other commit ended is no conflict. On a conflict nothing
 * is merged and the message names the node in the configuration's words
 * ("gateway M1: address") and who changed it.
 *
 * Pure: libyang trees in, trees and messages out; the caller supplies the
 * clock value of each commit. */
#ifndef RIPD_MEP_CONF_MERGE_H
#define RIPD_MEP_CONF_MERGE_H

#include <libyang/libyang.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"

/* Commits remembered; a session whose base is older than all of them is
 * compared against the running tree as a whole. */
#define CONF_HISTORY_MAX 32
#define CONF_SOURCE_MAX 64

struct conf_commit {
	uint64_t gen;
	char source[CONF_SOURCE_MAX];
	time_t when;
	char **paths;		/* changed data paths (owned) */
	size_t n_paths;
	bool unknown;		/* the paths could not be computed: a merge
				 * across this commit compares the trees as
				 * a whole */
};

struct conf_history {
	uint64_t gen;		/* generation of the running tree */
	struct conf_commit rec[CONF_HISTORY_MAX];	/* ring, by gen */
	size_t n;		/* records held (<= CONF_HISTORY_MAX) */
};

void conf_history_init(struct conf_history *h);
void conf_history_free(struct conf_history *h);

/* Record the commit that turned old into new (either may be NULL: empty)
 * made by source at when; the running generation goes up by one.
 * Returns 0, or -1 when the trees could not be compared (the commit is
 * still counted, with no paths). */
int conf_history_record(struct conf_history *h, const struct lyd_node *old,
			const struct lyd_node *new_tree, const char *source,
			time_t when);

/* The commits after generation since, oldest first, through cb. */
void conf_history_since(const struct conf_history *h, uint64_t since,
			void (*cb)(void *arg, const struct conf_commit *c),
			void *arg);

/* Data paths that differ between a and b (explicit nodes; default nodes
 * are ignored), the outermost changed node of each subtree. Returns 0 and
 * a malloc'ed array of malloc'ed strings, or -1. */
int conf_diff_paths(const struct lyd_node *a, const struct lyd_node *b,
		    char ***paths, size_t *n);
void conf_paths_free(char **paths, size_t n);

/* "gateway M1: address", "community C: center M2", "rim: metric", "mep:
 * local-gateway" for a data path: the configuration's words. */
void conf_path_words(const char *path, struct strbuf *out);

/* The edits from base to mine, one line each in the configuration's words:
 * "+ gateway M3: address 192.0.2.3", "- gateway M2: vpn-domain
 * 10.2.0.0/16", "~ rim: metric 10 -> 30". Nothing appended when equal.
 * Returns the number of lines, or -1 when the trees cannot be compared. */
int conf_changes(const struct lyd_node *base, const struct lyd_node *mine,
		 struct strbuf *out);

/* Merge the session's edits (base -> mine) onto running (generation
 * h->gen; base was taken at generation base_gen). On success returns 0
 * and *merged is a new tree (NULL: empty) for the caller; with no edits
 * *merged is a copy of running. On a conflict returns 1 and err names
 * the node(s) and who changed them; on failure -1 with err set. Nothing
 * passed in is modified. */
int conf_merge(const struct conf_history *h, uint64_t base_gen,
	       const struct lyd_node *base, const struct lyd_node *mine,
	       const struct lyd_node *running, struct lyd_node **merged,
	       struct strbuf *err);

#endif
