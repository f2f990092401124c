/* placeholder: conf_rules.c */
typedef int placeholder_conf_rules_t;
