# Build settings shared by every part's Makefile: flags, output folders, the ASAN=1 variant.
# A part includes this file, then writes its rules against $(OUT) (binaries) and $(OBJ) (objects).
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
.SECONDARY:

TOP    := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
CC     ?= cc
CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -MMD -MP -D_GNU_SOURCE \
          -I$(TOP)/include -I$(TOP)/runtime $(EXTRA_CFLAGS)
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
