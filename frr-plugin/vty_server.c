/* placeholder: vty_server.c */
typedef int placeholder_vty_server_t;
