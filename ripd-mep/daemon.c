/* placeholder: daemon.c */
typedef int placeholder_daemon_t;
