/* placeholder: log.c */
typedef int placeholder_log_t;
