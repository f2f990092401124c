/* libFuzzer target: the whole configuration loader (parse, validate,
 * model, rules) on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ly_ctx *ctx;
	struct strbuf err = STRBUF_INIT;
	struct conf_candidate cand;
	char *text;

	if (!ctx && conf_load_context(&ctx, &err) < 0)
		abort();
	strbuf_reset(&err);
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
