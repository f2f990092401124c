/* conf_tree: read-only lookups in the configuration's libyang data tree
 * and in its data paths, shared by the parser's edit transaction, its
 * grammar and its error messages. Nothing here changes a tree.
 *
 * "Explicit" means a node the configuration set (not an implicit default,
 * LYD_DEFAULT). Lookups by key use libyang's hashed sibling search, so
 * finding one of tens of thousands of gateways does not scan them all. */
#ifndef RIPD_MEP_CONF_TREE_H
#define RIPD_MEP_CONF_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include <libyang/libyang.h>

/* True if n is an instance of the schema node called name. */
bool conf_tree_is(const struct lyd_node *n, const char *name);

/* The top-level "mep" container of module mod in tree (any sibling), or
 * NULL. */
struct lyd_node *conf_tree_mep(struct lyd_node *tree,
			       const struct lys_module *mod);

/* Explicit child of parent called name (parent may be NULL: none); for a
 * list, its first key equals key; for a leaf-list, its value equals key;
 * key NULL: the first instance. The comparison is on the exact text. */
struct lyd_node *conf_tree_child(const struct lyd_node *parent,
				 const char *name, const char *key);

/* Implicit (default) child of parent called name, or NULL. */
struct lyd_node *conf_tree_default_child(const struct lyd_node *parent,
					 const char *name);

/* Length of the data path path[0..len) without its last component (0
 * when none is left). Slashes inside predicates ("[.='10.0.0.0/8']") do
 * not count. */
size_t conf_tree_path_parent_len(const char *path, size_t len);

#endif
