/* placeholder: conf_render.c */
typedef int placeholder_conf_render_t;
