/* placeholder: conf_load.c */
typedef int placeholder_conf_load_t;
