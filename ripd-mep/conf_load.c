/* conf_load: parse + validate + model + rules, without side effects. */
#include "conf_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_model.h"
#include "conf_parse.h"
#include "conf_rules.h"

void conf_candidate_init(struct conf_candidate *c)
{
	memset(c, 0, sizeof(*c));
	mep_config_init(&c->cfg);
}

void conf_candidate_free(struct conf_candidate *c)
{
	lyd_free_all(c->tree);
	mep_config_free(&c->cfg);
	strbuf_free(&c->warnings);
	conf_candidate_init(c);
}

int conf_load_context(struct ly_ctx **ctx, struct strbuf *err)
{
	const char *dirs[] = { getenv("RIPD_MEP_YANG_DIR"), YANG_DIR,
			       SRC_YANG_DIR };

	ly_log_options(0);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[4096];
		FILE *f;

		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/ripd-mep.yang", dirs[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		fclose(f);
		if (ly_ctx_new(dirs[i], LY_CTX_NO_YANGLIBRARY, ctx) != LY_SUCCESS)
			break;
		if (!ly_ctx_load_module(*ctx, "ripd-mep", NULL, NULL)) {
			const struct ly_err_item *e = ly_err_last(*ctx);

			strbuf_printf(err, "%s: cannot load the YANG model: %s",
				      path, e ? e->msg : "unknown error");
			ly_ctx_destroy(*ctx);
			*ctx = NULL;
			return -1;
		}
		return 0;
	}
	strbuf_printf(err,
		      "cannot find ripd-mep.yang (set RIPD_MEP_YANG_DIR, or "
		      "install it in %s)",
		      YANG_DIR);
	return -1;
}

static int parser_line_of(const void *arg, const char *path)
{
	return conf_parser_line_of(arg, path);
}

/* Build the model and check the code rules; on success out owns tree. */
static int finish(struct lyd_node *tree, const char *where,
		  int (*line_of)(const void *arg, const char *path),
		  const void *arg, struct conf_candidate *out,
		  struct strbuf *err)
{
	struct conf_rule_violation v;
	struct strbuf model_err = STRBUF_INIT;

	conf_candidate_init(out);
	if (conf_model_build(tree, &out->cfg, &model_err) < 0) {
		strbuf_printf(err, "%s: %s", where, strbuf_str(&model_err));
		strbuf_free(&model_err);
		lyd_free_all(tree);
		conf_candidate_free(out);
		return -1;
	}
	strbuf_free(&model_err);
	memset(&v, 0, sizeof(v));
	if (conf_rules_check(&out->cfg, &v, &out->warnings) > 0) {
		int line = line_of ? line_of(arg, v.path) : 0;

		if (line > 0)
			strbuf_printf(err, "%s:%d: %s", where, line, v.msg);
		else
			strbuf_printf(err, "%s: %s", where, v.msg);
		lyd_free_all(tree);
		conf_candidate_free(out);
		return -1;
	}
	out->tree = tree;
	return 0;
}

int conf_load_text(const struct ly_ctx *ctx, const char *text,
		   const char *file, struct conf_candidate *out,
		   struct strbuf *err)
{
	struct lyd_node *tree = NULL;
	struct conf_parser *parser = NULL;
	int rc;

	conf_candidate_init(out);
	if (conf_parse_text(ctx, text, file, &tree, &parser, err) < 0) {
		conf_parser_free(parser);
		return -1;
	}
	rc = finish(tree, file, parser_line_of, parser, out, err);
	conf_parser_free(parser);
	return rc;
}

int conf_load_file(const struct ly_ctx *ctx, const char *path,
		   struct conf_candidate *out, struct strbuf *err)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int rc;

	conf_candidate_init(out);
	if (!f) {
		strbuf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONF_LOAD_MAX_FILE + 1);
	if (!text) {
		fclose(f);
		strbuf_printf(err, "%s: out of memory", path);
		return -1;
	}
	n = fread(text, 1, CONF_LOAD_MAX_FILE + 1, f);
	if (ferror(f) || n > CONF_LOAD_MAX_FILE) {
		strbuf_printf(err, "%s: %s", path,
			      ferror(f) ? "read error"
					: "file larger than 4 MiB");
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n) {
		strbuf_printf(err, "%s: file contains a NUL byte", path);
		free(text);
		return -1;
	}
	rc = conf_load_text(ctx, text, path, out, err);
	free(text);
	return rc;
}

int conf_load_tree(const struct ly_ctx *ctx, struct lyd_node *tree,
		   const char *where,
		   int (*line_of)(const void *arg, const char *path),
		   const void *arg, struct conf_candidate *out,
		   struct strbuf *err)
{
	conf_candidate_init(out);
	if (conf_validate_tree(ctx, &tree, where, line_of, arg, err) < 0) {
		lyd_free_all(tree);
		return -1;
	}
	return finish(tree, where, line_of, arg, out, err);
}
