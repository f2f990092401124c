/* libFuzzer target: the whole configuration loader (parse, validate,
 * model, rules) on arbitrary text. The libyang context (the ripd-mep
 * module compiled once) is built in LLVMFuzzerInitialize and shared by
 * every input, as the daemon shares it across reloads. Seeds:
 * fuzz/corpus/fuzz_conf/ (the example configurations and edge cases). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_load.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ly_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf err = STRBUF_INIT;

	(void)argc;
	(void)argv;
	if (conf_load_context(&ctx, &err) < 0) {
		fprintf(stderr, "fuzz_conf: %s\n", strbuf_str(&err));
		exit(1);
	}
	strbuf_free(&err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct conf_candidate cand;
	char *text;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_load_text(ctx, text, "fuzz", &cand, &err) == 0)
		conf_candidate_free(&cand);
	free(text);
	strbuf_free(&err);
	return 0;
}
