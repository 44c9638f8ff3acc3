/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* main.c - the joulestat command; everything happens in cli.c. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_run(argc, argv);
}
