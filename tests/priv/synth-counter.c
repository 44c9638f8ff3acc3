/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * synth-counter.c - a synthetic RAPL package whose energy follows a known
 * law, for tests that compare attributed energy with a prediction:
 *
 *     E(t) = P_idle · t + P_busy · busy(t)
 *
 * where busy(t) is the CPU time the kernel accounted as work done since the
 * start, summed over CPUs, from one of (--busy-source):
 *   cpuacct  the root cgroup's cpuacct.usage (cgroup v1): every task's
 *            execution time in nanoseconds - exact, the default when present;
 *   stat     /proc/stat: user nice system irq softirq, in clock ticks (not
 *            idle or iowait, and not steal: in a virtual machine that is time
 *            the hypervisor gave to someone else, which a task's own CPU
 *            time, as getrusage() reports it, leaves out too). Tick
 *            accounting makes each interval's energy uncertain by a tick per
 *            CPU, so comparisons need long intervals.
 * The energy is quantized to the energy unit and wraps at the range, as
 * RAPL hardware does.
 *
 *   synth-counter DIR [--idle-mw N] [--busy-mw N] [--unit-uj N] [--range-uj N]
 *                 [--max-power-uw N] [--period-us N] [--busy-source auto|cpuacct|stat]
 *
 * It builds DIR/sys (the machine's CPU topology, its BTF and cgroup
 * hierarchies linked from /sys, and powercap zone intel-rapl:0,
 * "package-0", over every CPU), then every
 * period writes the counter to .../energy_uj and the unwrapped, quantized
 * truth to DIR/truth_uj, and creates DIR/ready after the first write. It
 * runs until SIGTERM or SIGINT, writes once more and exits 0. SIGUSR1 makes
 * it stop itself (SIGSTOP) right after a complete update of both files, so
 * a test can read a truth that matches the counter and cannot move until
 * it sends SIGCONT.
 *
 * Readers keep energy_uj open (pread), so the file is rewritten in place
 * and never shrinks: after a wrap the shorter number is padded with
 * blanks before the newline, which the sysfs parsers trim. A reader never
 * sees a half-truncated file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop, pause_req;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		pause_req = 1;
	else
		stop = 1;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "synth-counter: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			die("mkdir", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		die("mkdir", buf);
}

static void put(const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write <dir>/<rel>, or the file `dir` itself when rel is "". */
static void put(const char *dir, const char *rel, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), rel[0] ? "%s/%s" : "%s%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		die("create", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) != 0)
		die("write", path);
}

/* Copy one small sysfs file (a topology value) into the tree, if it exists. */
static void copy_file(const char *from, const char *to)
{
	char buf[4096];
	ssize_t n;
	int in = open(from, O_RDONLY), out;

	if (in < 0)
		return;
	n = read(in, buf, sizeof(buf));
	close(in);
	if (n < 0)
		return;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("create", to);
	if (write(out, buf, (size_t)n) != n)
		die("write", to);
	close(out);
}

static void copy_topology(const char *sys)
{
	static const char *const files[] = { "physical_package_id", "core_id", "die_id",
					     "cluster_id", "core_cpus_list", "package_cpus_list" };
	char from[512], to[4096];
	struct dirent *de;
	DIR *d;

	snprintf(to, sizeof(to), "%s/devices/system/cpu", sys);
	mkdirs(to);
	for (const char *const *f = (const char *const[]){ "online", "possible", "present", NULL };
	     *f; f++) {
		snprintf(from, sizeof(from), "/sys/devices/system/cpu/%s", *f);
		snprintf(to, sizeof(to), "%s/devices/system/cpu/%s", sys, *f);
		copy_file(from, to);
	}
	d = opendir("/sys/devices/system/cpu");
	if (!d)
		die("open", "/sys/devices/system/cpu");
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cpu", 3) || de->d_name[3] < '0' || de->d_name[3] > '9')
			continue;
		snprintf(to, sizeof(to), "%s/devices/system/cpu/%s/topology", sys, de->d_name);
		mkdirs(to);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(from, sizeof(from), "/sys/devices/system/cpu/%s/topology/%s",
				 de->d_name, files[i]);
			snprintf(to, sizeof(to), "%s/devices/system/cpu/%s/topology/%s", sys,
				 de->d_name, files[i]);
			copy_file(from, to);
		}
	}
	closedir(d);
}

#define CPUACCT_USAGE "/sys/fs/cgroup/cpuacct/cpuacct.usage"

/* Busy CPU time in ns so far, from the chosen source (see the top). */
static int read_busy_ns(int fd, bool cpuacct, uint64_t tick_ns, uint64_t *ret)
{
	char buf[1024];
	unsigned long long v[10] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (cpuacct)
		return sscanf(buf, "%llu", &v[0]) == 1 ? (*ret = v[0], 0) : -1;
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	/* user nice system [idle] [iowait] irq softirq [steal] */
	*ret = (v[0] + v[1] + v[2] + v[5] + v[6]) * tick_ns;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Rewrite an open file in place with "<v>\n", never shrinking it (see the top comment). */
static void rewrite(int fd, uint64_t v, size_t *len)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	while ((size_t)n + 1 < *len)
		buf[n++] = ' ';
	buf[n++] = '\n';
	if (pwrite(fd, buf, (size_t)n, 0) != n)
		die("write", "energy_uj");
	if ((size_t)n > *len)
		*len = (size_t)n;
}

static uint64_t arg_u64(const char *flag, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "synth-counter: %s: '%s' is not a number\n", flag, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	uint64_t idle_mw = 5000, busy_mw = 10000, unit_uj = 61, range_uj = 262143328850ULL;
	uint64_t max_power_uw = 150000000, period_us = 1000;
	uint64_t t0, busy0, tick_ns;
	char sys[1100], zone[1200], path[4096];
	size_t elen = 0, tlen = 0;
	int efd, tfd, sfd;
	const char *dir, *source = "auto";
	bool first = true, cpuacct;

	if (argc < 2) {
		fprintf(stderr, "usage: synth-counter DIR [--idle-mw N] [--busy-mw N] [--unit-uj N] "
				"[--range-uj N] [--max-power-uw N] [--period-us N]\n");
		return 2;
	}
	dir = argv[1];
	if (strlen(dir) > 1000) {
		fprintf(stderr, "synth-counter: %s: directory name too long\n", dir);
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		uint64_t v;

		if (!strcmp(argv[i], "--busy-source")) {
			source = argv[i + 1];
			if (strcmp(source, "auto") && strcmp(source, "cpuacct") && strcmp(source, "stat")) {
				fprintf(stderr, "synth-counter: --busy-source: auto, cpuacct or stat\n");
				return 2;
			}
			continue;
		}
		v = arg_u64(argv[i], argv[i + 1]);
		if (!strcmp(argv[i], "--idle-mw"))
			idle_mw = v;
		else if (!strcmp(argv[i], "--busy-mw"))
			busy_mw = v;
		else if (!strcmp(argv[i], "--unit-uj") && v)
			unit_uj = v;
		else if (!strcmp(argv[i], "--range-uj") && v)
			range_uj = v;
		else if (!strcmp(argv[i], "--max-power-uw"))
			max_power_uw = v;
		else if (!strcmp(argv[i], "--period-us") && v)
			period_us = v;
		else {
			fprintf(stderr, "synth-counter: unknown or bad option %s\n", argv[i]);
			return 2;
		}
	}
	tick_ns = 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);

	snprintf(sys, sizeof(sys), "%.1000s/sys", dir);
	copy_topology(sys);
	snprintf(path, sizeof(path), "%s/kernel/btf", sys);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/kernel/btf/vmlinux", sys);
	if (symlink("/sys/kernel/btf/vmlinux", path) < 0 && errno != EEXIST)
		die("symlink", path);
	/* The cgroup hierarchies too: the /proc collector reads the root's cpuacct there. */
	snprintf(path, sizeof(path), "%s/fs", sys);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/fs/cgroup", sys);
	if (symlink("/sys/fs/cgroup", path) < 0 && errno != EEXIST)
		die("symlink", path);
	snprintf(zone, sizeof(zone), "%.1100s/devices/virtual/powercap/intel-rapl/intel-rapl:0", sys);
	mkdirs(zone);
	put(zone, "name", "package-0\n");
	put(zone, "enabled", "1\n");
	put(zone, "max_energy_range_uj", "%" PRIu64 "\n", range_uj);
	put(zone, "constraint_0_name", "long_term\n");
	put(zone, "constraint_0_max_power_uw", "%" PRIu64 "\n", max_power_uw);
	put(zone, "energy_uj", "0\n");
	snprintf(path, sizeof(path), "%s/devices/virtual/powercap/intel-rapl/enabled", sys);
	put(path, "", "1\n");
	snprintf(path, sizeof(path), "%s/class/powercap", sys);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl:0", sys);
	if (symlink("../../devices/virtual/powercap/intel-rapl/intel-rapl:0", path) < 0 &&
	    errno != EEXIST)
		die("symlink", path);
	snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl", sys);
	if (symlink("../../devices/virtual/powercap/intel-rapl", path) < 0 && errno != EEXIST)
		die("symlink", path);

	snprintf(path, sizeof(path), "%s/energy_uj", zone);
	efd = open(path, O_WRONLY);
	if (efd < 0)
		die("open", path);
	elen = 2;
	snprintf(path, sizeof(path), "%s/truth_uj", dir);
	tfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (tfd < 0)
		die("open", path);
	cpuacct = strcmp(source, "stat") != 0 && access(CPUACCT_USAGE, R_OK) == 0;
	if (!strcmp(source, "cpuacct") && !cpuacct)
		die("open", CPUACCT_USAGE);
	sfd = open(cpuacct ? CPUACCT_USAGE : "/proc/stat", O_RDONLY);
	if (sfd < 0 || read_busy_ns(sfd, cpuacct, tick_ns, &busy0) < 0)
		die("read", cpuacct ? CPUACCT_USAGE : "/proc/stat");
	put(dir, "busy_source", "%s\n", cpuacct ? "cpuacct" : "stat");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	/*
	 * A counter that lags under load moves energy between intervals:
	 * run ahead of the workload (best effort; unprivileged callers keep
	 * their priority).
	 */
	(void)setpriority(PRIO_PROCESS, 0, -20);
	t0 = mono_ns();
	for (;;) {
		uint64_t busy, now = mono_ns(), e_uj, q_uj;
		bool last = stop;

		if (read_busy_ns(sfd, cpuacct, tick_ns, &busy) < 0)
			die("read", cpuacct ? CPUACCT_USAGE : "/proc/stat");
		/* mW × ns = 1e-12 J: divide by 1e6 for µJ; 128-bit so days of running do not overflow. */
		e_uj = (uint64_t)(((unsigned __int128)idle_mw * (now - t0) +
				   (unsigned __int128)busy_mw * (busy - busy0)) /
				  1000000U);
		q_uj = e_uj / unit_uj * unit_uj;
		rewrite(efd, q_uj % range_uj, &elen);
		rewrite(tfd, q_uj, &tlen);
		if (first) {
			snprintf(path, sizeof(path), "%s/ready", dir);
			put(path, "", "%" PRIu64 "\n", q_uj);
			first = false;
		}
		if (last)
			break;
		if (pause_req) {
			pause_req = 0;
			raise(SIGSTOP);
			continue;
		}
		usleep((useconds_t)period_us);
	}
	close(efd);
	close(tfd);
	close(sfd);
	return 0;
}
