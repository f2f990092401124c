/* placeholder: conf_parse.c */
typedef int placeholder_conf_parse_t;
