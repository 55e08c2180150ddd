# Build settings shared by every part's Makefile: flags, output folders, the ASAN=1 variant.
# A part includes this file, then writes its rules against $(OUT) (binaries) and $(OBJ) (objects).
# Headers are named by where they live: "lib/logbuf.h", "runtime/protocol.h", <uapi/...>.
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
.SECONDARY:

TOP    := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
CC     ?= cc
CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -MMD -MP -D_GNU_SOURCE \
          -I$(TOP)/include -I$(TOP) $(EXTRA_CFLAGS)
LDFLAGS := $(EXTRA_LDFLAGS)

ifeq ($(ASAN),1)
BUILD   ?= $(TOP)/build/asan
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
STATIC  :=
else
BUILD   ?= $(TOP)/build
STATIC  := -static
endif

OUT := $(BUILD)/bin
OBJ := $(BUILD)/obj/$(notdir $(CURDIR))

$(OUT) $(OBJ):
	mkdir -p $@

$(OBJ)/%.o: %.c | $(OBJ)
	$(CC) $(CFLAGS) -c -o $@ $<

# lib/'s archive and what it needs at link time (yajl's static archive, for static and dynamic
# binaries alike). A part that links it asks lib/ each time; it relinks only if the file changed.
HOGLAB_LIB  := $(BUILD)/lib/libhoglab.a
HOGLAB_LIBS := -lyajl_s
ifneq ($(notdir $(CURDIR)),lib)
$(HOGLAB_LIB): FORCE
	$(MAKE) -C $(TOP)/lib $@
endif
.PHONY: FORCE
FORCE:
