/*
 * What a manifest holds, found in one pass of libyaml's event parser
 * without building a tree: the documents, and for each the apiVersion and
 * kind of its top-level mapping. That is all the filter, the analysis and the
 * IaC classification need, and it is the hot loop of preprocess, so nothing
 * else is kept.
 */
#ifndef REPRO_BUILTIN_K8S_H
#define REPRO_BUILTIN_K8S_H

#include <stddef.h>

enum k8s_root { K8S_ROOT_MAP, K8S_ROOT_SEQ, K8S_ROOT_SCALAR };

struct k8s_doc {
	enum k8s_root root; /* what the document's top node is */
	char *api_version;  /* top-level apiVersion when it is a non-empty string, else NULL */
	char *kind;         /* top-level kind when it is a non-empty string, else NULL */
};

struct k8s_scan {
	struct k8s_doc *docs; /* the non-empty documents, in order */
	size_t ndocs;         /* how many */
	size_t alloc;         /* slots allocated in docs */
	size_t empty_docs;    /* documents holding nothing (empty, ~ or null) */
	const char *problem;  /* after a syntax error: libyaml's description (static) */
	size_t line, col;     /* after a syntax error: 1-based position */
};

/*
 * Parses text[0..len) (every document) into s (zeroed by the call).
 * Returns 0, or -1 when the text is not valid YAML or nests more than 512
 * collections deep (then s->problem, line and col say why; the documents
 * before the error are kept). Never reports.
 */
int k8s_scan(const char *text, size_t len, struct k8s_scan *s);
void k8s_scan_release(struct k8s_scan *s);

/*
 * True when d is a Kubernetes object: a mapping whose apiVersion is
 * "v1"-like ("v1", "v1beta2") optionally after an API group and '/'
 * ("apps/v1", "serving.kserve.io/v1beta1") and whose kind is a CamelCase
 * identifier ("Deployment"). Istio release notes ("release-notes/v2",
 * "feature") and other look-alikes are not.
 */
int k8s_is_object(const struct k8s_doc *d);

/* The API group of an apiVersion ("" for the core group "v1"), as a length. */
size_t k8s_api_group_len(const char *api_version);

#endif
