/*
 * The IaC type of a manifest, the main slice bias balances on:
 *   kserve        a document in one of kserve_groups (serving.kserve.io)
 *   seldon        else one in seldon_groups (machinelearning.seldon.io, mlops.seldon.io)
 *   k8s_workload  else a document whose kind is in workload_kinds (Deployment, Job, ...)
 *   k8s_config    anything else (Services, ConfigMaps, RBAC, CRDs, ...)
 */
#ifndef REPRO_BUILTIN_IAC_H
#define REPRO_BUILTIN_IAC_H

#include "builtin/k8s.h"
#include "builtin/params.h"
#include "util/options.h"

enum iac_type { IAC_KSERVE, IAC_SELDON, IAC_WORKLOAD, IAC_CONFIG, IAC_N };

struct iac_rules {
	struct strlist kserve_groups;  /* API groups that make a manifest kserve */
	struct strlist seldon_groups;  /* ... seldon */
	struct strlist workload_kinds; /* kinds that make it a k8s_workload */
};

/* Reads the three lists from p's section (or the defaults). 0 or -1 (reported). */
int iac_rules_load(struct iac_rules *r, const struct sparams *p);
void iac_rules_release(struct iac_rules *r);

enum iac_type iac_classify(const struct iac_rules *r, const struct k8s_scan *s);
const char *iac_type_name(enum iac_type t);

#endif
