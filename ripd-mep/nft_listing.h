/* nft_listing: what nft's text listing of one table ("list table inet
 * NAME") says about its owner. Pure: text in, answer out.
 *
 * ripd-mep marks each table it owns (IP Pool NAT's, route steering's)
 * with a table comment, which nft prints as the first line inside the
 * table's braces. A comment anywhere else (a chain's, a rule's) does not
 * make a table ours: someone else's table of that name stays untouched. */
#ifndef RIPD_MEP_NFT_LISTING_H
#define RIPD_MEP_NFT_LISTING_H

#include <stdbool.h>

/* Does the listing text carry the table comment `comment "COMMENT"` as
 * the first line inside the table? */
bool nft_listing_owned(const char *text, const char *comment);

#endif
