/* nft_listing: the owner of a listed nftables table. See nft_listing.h. */
#include "nft_listing.h"

#include <string.h>

bool nft_listing_owned(const char *text, const char *comment)
{
	static const char kw[] = "comment \"";
	const char *p = strchr(text, '{');	/* the table's own brace */
	size_t n = strlen(comment), k = sizeof(kw) - 1;

	if (!p)
		return false;
	for (p++; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	return strncmp(p, kw, k) == 0 && strncmp(p + k, comment, n) == 0 &&
	       p[k + n] == '"' &&
	       (p[k + n + 1] == '\n' || p[k + n + 1] == '\0');
}
