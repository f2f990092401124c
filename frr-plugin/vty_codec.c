/* placeholder: vty_codec.c */
typedef int placeholder_vty_codec_t;
