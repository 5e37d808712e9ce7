/* The block tier of one instruction set in both number systems, included by _vm.c once per
 * instruction set with ISA (the name suffix), TARGET (its target attribute) and DD_TABLE (the
 * double-double exp's way, exp_parts) defined: _vm_block.h once with double (float32 output),
 * once with double-double (float64 output). */
#define SYS _d
#include "_vm_block.h"
#undef SYS
#define SYS _dd
#define DOUBLE_DOUBLE
#include "_vm_block.h"
#undef DOUBLE_DOUBLE
#undef SYS
#undef TARGET
#undef ISA
#undef DD_TABLE
