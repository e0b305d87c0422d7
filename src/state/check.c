/*
 * check.c — the present tree of a site against its baseline (see check.h).
 */
#include <stdlib.h>
#include <time.h>

#include "core/i18n.h"
#include "state/check.h"
#include "core/util.h"

const struct ronda_rule ronda_rule_timestomp = {
	"integrity.timestomp", RONDA_CAT_INTEGRITY, RONDA_SEV_HIGH, 90,
	N_("content changed but the modification time was set back: its timestamps "
	   "were forged to hide the change"),
	N_("compare the file with the baseline or a snapshot and restore it; look "
	   "for other files changed around the same ctime"),
};

const struct ronda_rule ronda_rule_backdated = {
	"integrity.backdated", RONDA_CAT_INTEGRITY, RONDA_SEV_MEDIUM, 70,
	N_("file added since the baseline carries a modification time from before "
	   "the baseline: its timestamp may have been set back to make it look old"),
	N_("find out where the file came from; archives unpacked with their times "
	   "(tar, unzip, cp -p, rsync -a) look the same: if it belongs to a "
	   "deployment, accept it with 'ronda baseline --update -m WHY'"),
};

const struct ronda_rule *ronda_check_stomp_rule(const struct ronda_change *ch)
{
	return ch->kind == RONDA_ADDED ? &ronda_rule_backdated : &ronda_rule_timestomp;
}

static void add_change(const struct ronda_change *ch, void *arg)
{
	struct ronda_check *c = arg;

	c->changes = xgrow(c->changes, &c->alloc_changes, c->n_changes + 1,
			   sizeof(*c->changes));
	c->changes[c->n_changes++] = *ch;
	switch (ch->kind) {
	case RONDA_ADDED: c->n_added++; break;
	case RONDA_REMOVED: c->n_removed++; break;
	case RONDA_CHANGED: c->n_changed++; break;
	}
	if (ch->timestomp && ch->kind == RONDA_ADDED)
		c->n_backdated++;
	else if (ch->timestomp)
		c->n_timestomp++;
}

int ronda_check_run(struct ronda_db *db, const char *root, const char *name,
		    const struct ronda_tree_opts *opts, struct ronda_check *out,
		    struct ronda_buf *err)
{
	struct ronda_tree_opts o = *opts;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = ronda_site_resolve(db, root, name, false, &out->site, err)))
		return ret;
	ret = ronda_baseline_load(db, out->site.id, &out->base, err);
	if (ret == RONDA_ENOTFOUND) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("site '%s' has no baseline; take one with "
				      "'ronda baseline %s'"), out->site.name, out->site.root);
	}
	if (ret)
		goto fail;
	o.prev = &out->base;
	if ((ret = ronda_tree_build(out->site.root, &o, &out->cur, err)))
		goto fail;
	ronda_tree_diff(&out->base, &out->cur, add_change, out);
	return RONDA_OK;
fail:
	ronda_check_release(out);
	return ret;
}

void ronda_check_release(struct ronda_check *c)
{
	ronda_site_release(&c->site);
	ronda_tree_release(&c->base);
	ronda_tree_release(&c->cur);
	free(c->changes);
	memset(c, 0, sizeof(*c));
}

size_t ronda_check_scan_list(const struct ronda_check *c, const char ***out)
{
	const char **v = xcalloc(c->n_changes ? c->n_changes : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->n_changes; i++) {
		const struct ronda_change *ch = &c->changes[i];

		if (ch->kind == RONDA_REMOVED || ch->cur->type != RONDA_ET_FILE ||
		    ch->cur->xdev)
			continue;
		v[n++] = ch->cur->path;
	}
	*out = v;
	return n;
}

static void fmt_ns(struct ronda_buf *out, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	char b[64];

	if (gmtime_r(&s, &tm) && strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm))
		ronda_buf_addf(out, "%s.%09lld UTC", b, (long long)(ns % 1000000000));
	else
		ronda_buf_addf(out, "%lld ns", (long long)ns);
}

void ronda_check_timestomp_detail(const struct ronda_change *ch, struct ronda_buf *out)
{
	ronda_buf_reset(out);
	if (ch->kind == RONDA_ADDED) {
		ronda_buf_addstr(out, _("added after the baseline of "));
		fmt_ns(out, ch->since_ns);
		ronda_buf_addstr(out, _(" with mtime "));
		fmt_ns(out, ch->cur->mtime_ns);
		ronda_buf_addstr(out, _(", ctime "));
		fmt_ns(out, ch->cur->ctime_ns);
		return;
	}
	ronda_buf_addstr(out, _("mtime "));
	fmt_ns(out, ch->old->mtime_ns);
	ronda_buf_addstr(out, " -> ");
	fmt_ns(out, ch->cur->mtime_ns);
	ronda_buf_addstr(out, _(", ctime "));
	fmt_ns(out, ch->old->ctime_ns);
	ronda_buf_addstr(out, " -> ");
	fmt_ns(out, ch->cur->ctime_ns);
}
