/* placeholder: conf_model.c */
typedef int placeholder_conf_model_t;
