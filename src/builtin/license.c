#include "builtin/license.h"

#include <string.h>
#include <strings.h>

static int has(const char *text, const char *phrase)
{
	return strcasestr(text, phrase) != NULL;
}

const char *license_identify(const char *text)
{
	/* most specific wording first: the LGPL and AGPL texts mention the GPL */
	if (has(text, "Apache License") && has(text, "Version 2.0"))
		return "Apache-2.0";
	if (has(text, "GNU AFFERO GENERAL PUBLIC LICENSE"))
		return "AGPL-3.0-only";
	if (has(text, "GNU LESSER GENERAL PUBLIC LICENSE"))
		return has(text, "Version 2.1") ? "LGPL-2.1-only" : "LGPL-3.0-only";
	if (has(text, "GNU GENERAL PUBLIC LICENSE"))
		return has(text, "Version 2,") || has(text, "Version 2 ") ? "GPL-2.0-only"
									   : "GPL-3.0-only";
	if (has(text, "Mozilla Public License") && has(text, "2.0"))
		return "MPL-2.0";
	if (has(text, "Business Source License"))
		return "BUSL-1.1";
	if (has(text, "Permission is hereby granted, free of charge"))
		return "MIT";
	if (has(text, "Redistribution and use in source and binary forms"))
		return has(text, "Neither the name") || has(text, "names of its contributors")
		       ? "BSD-3-Clause" : "BSD-2-Clause";
	if (has(text, "Permission to use, copy, modify, and/or distribute this software"))
		return "ISC";
	if (has(text, "This is free and unencumbered software released into the public domain"))
		return "Unlicense";
	if (has(text, "CC0 1.0 Universal"))
		return "CC0-1.0";
	return NULL;
}

int license_file_rank(const char *base)
{
	static const char *const names[] = { "LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING" };

	for (int i = 0; i < 4; i++)
		if (!strcasecmp(base, names[i]))
			return i;
	return -1;
}
