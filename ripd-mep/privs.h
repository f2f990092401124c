/* privs: dropping root for ripd-mep's -u USER -g GROUP, keeping only the
 * capabilities the daemon needs (libcap):
 *
 *  CAP_NET_ADMIN - the kernel routing backend writes routes over
 *                  netlink. Nothing else is kept: the zebra backend,
 *                  VICI and the vty are unix sockets reached through
 *                  file permissions; no raw socket is used (no
 *                  CAP_NET_RAW) and the UDP probe port defaults to 18259
 *                  (no CAP_NET_BIND_SERVICE; a port below 1024 needs
 *                  -u root or net.ipv4.ip_unprivileged_port_start).
 *
 * Supplementary groups are USER's (initgroups), so that membership of
 * frrvty or of charon's group (strongSwan's charon.group) reaches the
 * sockets of those. */
#ifndef RIPD_MEP_PRIVS_H
#define RIPD_MEP_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privs {
	bool drop;		/* false: stay as we are */
	uid_t uid;
	gid_t gid;
	char user[64];
	char group[64];
};

/* Resolve -u/-g. user/group NULL: "frr" when that user (group) exists
 * and we are root, else no change. "root" (or uid 0) as user: no drop.
 * Returns 0, or -1 with err set (unknown name, not root). */
int privs_resolve(struct privs *p, const char *user, const char *group,
		  char *err, size_t errlen);

/* Switch to the resolved user and group, keeping CAP_NET_ADMIN. Returns 0
 * (also when nothing was to drop), or -1 with err set. */
int privs_drop(const struct privs *p, char *err, size_t errlen);

/* "frr:frr (CapEff net_admin)" or "root" for the start-up log line. */
const char *privs_describe(const struct privs *p, char *buf, size_t len);

#endif
