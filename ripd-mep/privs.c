/* privs: -u/-g resolution and the switch to an unprivileged user with
 * CAP_NET_ADMIN kept. See privs.h. */
#define _GNU_SOURCE /* initgroups */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PRIVS_DEFAULT "frr"

static const cap_value_t privs_keep[] = { CAP_NET_ADMIN };
#define PRIVS_NKEEP (sizeof(privs_keep) / sizeof(privs_keep[0]))

int privs_resolve(struct privs *p, const char *user, const char *group,
		  char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	memset(p, 0, sizeof(*p));
	if (!user) {
		/* FRR's default, when the system has it and we may */
		if (geteuid() != 0 || !getpwnam(PRIVS_DEFAULT))
			return 0;
		user = PRIVS_DEFAULT;
		if (!group && getgrnam(PRIVS_DEFAULT))
			group = PRIVS_DEFAULT;
	}
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "-u %s: no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0 && !group)
		return 0;	/* -u root: stay */
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return 0;
		snprintf(err, errlen, "-u %s: only root can change its user",
			 user);
		return -1;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	snprintf(p->user, sizeof(p->user), "%s", pw->pw_name);
	if (group) {
		gr = getgrnam(group);
		if (!gr) {
			snprintf(err, errlen, "-g %s: no such group", group);
			return -1;
		}
		p->gid = gr->gr_gid;
		snprintf(p->group, sizeof(p->group), "%s", gr->gr_name);
	} else {
		gr = getgrgid(p->gid);
		snprintf(p->group, sizeof(p->group), "%s",
			 gr ? gr->gr_name : "?");
	}
	p->drop = true;
	return 0;
}

int privs_drop(const struct privs *p, char *err, size_t errlen)
{
	cap_t caps;
	int rc = -1;

	if (!p->drop)
		return 0;
	if (initgroups(p->user, p->gid) < 0) {
		snprintf(err, errlen, "initgroups %s: %s", p->user,
			 strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) {
		snprintf(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(errno));
		return -1;
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		snprintf(err, errlen, "cannot become %s:%s: %s", p->user,
			 p->group, strerror(errno));
		return -1;
	}
	caps = cap_init();	/* all clear */
	if (!caps) {
		snprintf(err, errlen, "cap_init: %s", strerror(errno));
		return -1;
	}
	if (cap_set_flag(caps, CAP_PERMITTED, PRIVS_NKEEP, privs_keep,
			 CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, PRIVS_NKEEP, privs_keep,
			 CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0) {
		snprintf(err, errlen, "cannot keep CAP_NET_ADMIN: %s",
			 strerror(errno));
		goto out;
	}
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0) {
		snprintf(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	cap_free(caps);
	return rc;
}

const char *privs_describe(const struct privs *p, char *buf, size_t len)
{
	if (p->drop)
		snprintf(buf, len, "%s:%s, keeping CAP_NET_ADMIN only", p->user,
			 p->group);
	else
		snprintf(buf, len, "uid %ld (no -u change)", (long)geteuid());
	return buf;
}
