/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * nvml_abi.h - the few NVML types, constants and entry points joulestat
 * uses, declared from NVIDIA's published NVML API reference so that nothing
 * of NVIDIA's is needed to build: libnvidia-ml.so.1 is dlopen()ed at run
 * time (source_nvml.c), and the tests' double (tests/nvml-double/)
 * implements the same entry points. One definition for both.
 *
 * Layouts are the C ABI of nvml.h; the _Static_asserts pin them on LP64.
 */
#ifndef JOULESTAT_NVML_ABI_H
#define JOULESTAT_NVML_ABI_H

#include <stdint.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_NOT_FOUND 6
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_LIBRARY_NOT_FOUND 12
#define NVML_ERROR_FUNCTION_NOT_FOUND 13
#define NVML_ERROR_GPU_IS_LOST 15
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18
#define NVML_ERROR_UNKNOWN 999

#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 80
#define NVML_TEMPERATURE_GPU 0
#define NVML_CLOCK_SM 1
#define NVML_CLOCK_MEM 2
#define NVML_DEVICE_MIG_ENABLE 1
/* usedGpuMemory when the driver cannot tell (WDDM, some containers). */
#define NVML_VALUE_NOT_AVAILABLE_ULL (~0ULL)

typedef struct {
	unsigned int gpu;    /* % of time a kernel ran, over the driver's sample period */
	unsigned int memory; /* % of time device memory was read or written */
} nvmlUtilization_t;

typedef struct {
	unsigned long long total; /* bytes */
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_t;

typedef struct {
	char busIdLegacy[16];
	unsigned int domain;
	unsigned int bus;
	unsigned int device;
	unsigned int pciDeviceId;
	unsigned int pciSubSystemId;
	char busId[32]; /* "00000000:01:00.0" */
} nvmlPciInfo_t;

/* nvmlProcessInfo_t of the _v2 and _v3 running-process calls. */
typedef struct {
	unsigned int pid;
	unsigned long long usedGpuMemory; /* bytes, or NVML_VALUE_NOT_AVAILABLE_ULL */
	unsigned int gpuInstanceId;	  /* MIG, else 0xFFFFFFFF */
	unsigned int computeInstanceId;
} nvmlProcessInfo_t;

typedef struct {
	unsigned int pid;
	unsigned long long timeStamp; /* CPU µs */
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
} nvmlProcessUtilizationSample_t;

typedef struct {
	unsigned long long timeStamp; /* CPU µs */
	unsigned int pid;
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
	unsigned int jpgUtil;
	unsigned int ofaUtil;
} nvmlProcessUtilizationInfo_v1_t;

typedef struct {
	unsigned int version;		      /* nvmlProcessesUtilizationInfo_v1 */
	unsigned int processSamplesCount;     /* in: room; out: samples */
	unsigned long long lastSeenTimeStamp; /* only samples after this */
	nvmlProcessUtilizationInfo_v1_t *procUtilArray;
} nvmlProcessesUtilizationInfo_t;

#define NVML_PROCESSES_UTILIZATION_INFO_V1 \
	((unsigned int)(sizeof(nvmlProcessesUtilizationInfo_t) | (1U << 24U)))

_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t layout");
_Static_assert(sizeof(nvmlProcessInfo_t) == 24, "nvmlProcessInfo_t layout");
_Static_assert(sizeof(nvmlProcessUtilizationSample_t) == 32, "sample layout");
_Static_assert(sizeof(nvmlProcessUtilizationInfo_v1_t) == 40, "info sample layout");
_Static_assert(sizeof(nvmlProcessesUtilizationInfo_t) == 24, "info layout");

/* The entry points, as X(return, name, arguments) for the loader and the double. */
#define NVML_FUNCS(X)                                                                             \
	X(nvmlReturn_t, nvmlInit_v2, (void))                                                      \
	X(nvmlReturn_t, nvmlShutdown, (void))                                                     \
	X(const char *, nvmlErrorString, (nvmlReturn_t result))                                   \
	X(nvmlReturn_t, nvmlDeviceGetCount_v2, (unsigned int *count))                             \
	X(nvmlReturn_t, nvmlDeviceGetHandleByIndex_v2, (unsigned int index, nvmlDevice_t *dev))   \
	X(nvmlReturn_t, nvmlDeviceGetName, (nvmlDevice_t dev, char *name, unsigned int len))      \
	X(nvmlReturn_t, nvmlDeviceGetUUID, (nvmlDevice_t dev, char *uuid, unsigned int len))      \
	X(nvmlReturn_t, nvmlDeviceGetPciInfo_v3, (nvmlDevice_t dev, nvmlPciInfo_t * pci))         \
	X(nvmlReturn_t, nvmlDeviceGetTotalEnergyConsumption,                                      \
	  (nvmlDevice_t dev, unsigned long long *energy_mj))                                      \
	X(nvmlReturn_t, nvmlDeviceGetPowerUsage, (nvmlDevice_t dev, unsigned int *power_mw))      \
	X(nvmlReturn_t, nvmlDeviceGetEnforcedPowerLimit, (nvmlDevice_t dev, unsigned int *mw))    \
	X(nvmlReturn_t, nvmlDeviceGetUtilizationRates, (nvmlDevice_t dev, nvmlUtilization_t * u)) \
	X(nvmlReturn_t, nvmlDeviceGetMemoryInfo, (nvmlDevice_t dev, nvmlMemory_t * m))            \
	X(nvmlReturn_t, nvmlDeviceGetTemperature,                                                 \
	  (nvmlDevice_t dev, int sensor, unsigned int *temp_c))                                   \
	X(nvmlReturn_t, nvmlDeviceGetClockInfo, (nvmlDevice_t dev, int type, unsigned int *mhz))  \
	X(nvmlReturn_t, nvmlDeviceGetMigMode,                                                     \
	  (nvmlDevice_t dev, unsigned int *current, unsigned int *pending))                       \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v3,                                  \
	  (nvmlDevice_t dev, unsigned int *count, nvmlProcessInfo_t *infos))                      \
	X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses_v3,                                 \
	  (nvmlDevice_t dev, unsigned int *count, nvmlProcessInfo_t *infos))                      \
	X(nvmlReturn_t, nvmlDeviceGetProcessUtilization,                                          \
	  (nvmlDevice_t dev, nvmlProcessUtilizationSample_t * samples, unsigned int *count,       \
	   unsigned long long last_seen_us))                                                      \
	X(nvmlReturn_t, nvmlDeviceGetProcessesUtilizationInfo,                                    \
	  (nvmlDevice_t dev, nvmlProcessesUtilizationInfo_t * info))

#endif
