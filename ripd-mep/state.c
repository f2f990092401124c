/* placeholder: state.c */
typedef int placeholder_state_t;
