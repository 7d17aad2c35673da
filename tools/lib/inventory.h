/*
 * inventory.h: the Ansible inventory update of a hand-off: the rescued
 * host's line in one section of an INI inventory.
 */
#ifndef LB_INVENTORY_H
#define LB_INVENTORY_H

#include "lb.h"

/* In the INI inventory at path, make the section [group] hold line: the
 * line whose first word is line's first word is replaced, or line is added
 * at the end of the section, or the section at the end of the file. Every
 * other byte stays as it was; the file is replaced atomically (its mode
 * kept). A missing file is an error (LB_EIO naming it): a new inventory
 * that Ansible is not pointed at is never what the user wants. *changed
 * says whether anything changed. */
int lb_inventory_update(const char *path, const char *group,
    const char *line, int *changed, struct lb_err *err);

/* The edit itself, on the text old[0..len): the new text in *out (the
 * caller's, also on len 0), *outlen its length. -1 out of memory. */
int lb_inventory_edit(const char *old, size_t len, const char *group,
    const char *line, char **out, size_t *outlen);

#endif
