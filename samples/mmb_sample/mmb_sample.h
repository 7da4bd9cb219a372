/* SPDX-License-Identifier: GPL-2.0 */
/* mmb_sample: its registered mmbridge device (mmb_sample_dev.c). */
#ifndef _MMB_SAMPLE_H
#define _MMB_SAMPLE_H

int mmb_sample_dev_init(void);
void mmb_sample_dev_exit(void);

#endif /* _MMB_SAMPLE_H */
