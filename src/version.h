#ifndef REPRO_VERSION_H
#define REPRO_VERSION_H
#define REPRO_VERSION "0.1.0"
#endif
