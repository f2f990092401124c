/* placeholder: mep.c */
typedef int placeholder_mep_t;
