/* placeholder: cli.c */
typedef int placeholder_cli_t;
