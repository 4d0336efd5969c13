#include "builtin/iac.h"

#include <string.h>

static const char *const type_names[IAC_N] = { "kserve", "seldon", "k8s_workload", "k8s_config" };
static const char *const default_kserve[] = { "serving.kserve.io", NULL };
static const char *const default_seldon[] = { "machinelearning.seldon.io", "mlops.seldon.io", NULL };
static const char *const default_workloads[] = {
	"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod",
	"Job", "CronJob", "RayCluster", "RayJob", "RayService", "PyTorchJob", "TFJob", "MPIJob",
	"XGBoostJob", "PaddleJob", "TrainJob", "LeaderWorkerSet", "Workflow", "CronWorkflow",
	"Notebook", NULL };

const char *iac_type_name(enum iac_type t)
{
	return type_names[t];
}

static int list(const struct sparams *p, const char *key, struct strlist *l, const char *const *def)
{
	int r = sparams_strings(p, key, l);

	if (r == 0)
		for (; *def; def++)
			strlist_push(l, (char *)*def);
	return r < 0 ? -1 : 0;
}

int iac_rules_load(struct iac_rules *r, const struct sparams *p)
{
	memset(r, 0, sizeof(*r));
	if (list(p, "kserve_groups", &r->kserve_groups, default_kserve) < 0 ||
	    list(p, "seldon_groups", &r->seldon_groups, default_seldon) < 0 ||
	    list(p, "workload_kinds", &r->workload_kinds, default_workloads) < 0)
		return -1;
	return 0;
}

void iac_rules_release(struct iac_rules *r)
{
	strlist_release(&r->kserve_groups, 0);
	strlist_release(&r->seldon_groups, 0);
	strlist_release(&r->workload_kinds, 0);
}

static int in_groups(const struct strlist *l, const char *api_version)
{
	size_t n = k8s_api_group_len(api_version);

	for (int i = 0; i < l->n; i++)
		if (strlen(l->items[i]) == n && !strncmp(l->items[i], api_version, n))
			return 1;
	return 0;
}

static int any_group(const struct strlist *l, const struct k8s_scan *s)
{
	for (size_t i = 0; i < s->ndocs; i++)
		if (s->docs[i].api_version && in_groups(l, s->docs[i].api_version))
			return 1;
	return 0;
}

enum iac_type iac_classify(const struct iac_rules *r, const struct k8s_scan *s)
{
	if (any_group(&r->kserve_groups, s))
		return IAC_KSERVE;
	if (any_group(&r->seldon_groups, s))
		return IAC_SELDON;
	for (size_t i = 0; i < s->ndocs; i++)
		for (int k = 0; s->docs[i].kind && k < r->workload_kinds.n; k++)
			if (!strcmp(s->docs[i].kind, r->workload_kinds.items[k]))
				return IAC_WORKLOAD;
	return IAC_CONFIG;
}
