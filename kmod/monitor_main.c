/* The misc device /dev/container_monitor: open (CAP_SYS_ADMIN only), ioctl, read, poll, the
 * sysfs "entries" attribute, and module load/unload. Each ioctl copies in, lets the registry
 * validate and change under monitor_lock (monitor.h), then copies out with the lock released. */
#include "monitor.h"

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

static int monitor_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

/* Whole records only: blocks (unless O_NONBLOCK) until one is queued, then returns as many as
 * fit in count. A record popped but not copied to a bad buffer counts as dropped. */
static ssize_t monitor_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct monitor_event ev;
	size_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	while (!monitor_event_pop(&ev)) {
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(monitor_event_wq, monitor_event_queued() > 0);
		if (ret)
			return ret;
	}
	do {
		if (copy_to_user(buf + done, &ev, sizeof(ev))) {
			monitor_event_lose();
			return done ? done : -EFAULT;
		}
		done += sizeof(ev);
	} while (count - done >= sizeof(ev) && monitor_event_pop(&ev));
	return done;
}

static __poll_t monitor_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &monitor_event_wq, wait);
	return monitor_event_queued() ? EPOLLIN | EPOLLRDNORM : 0;
}

static long monitor_ioctl_register(void __user *uarg)
{
	struct monitor_register req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return monitor_entry_register(&req);
}

static long monitor_ioctl_unregister(void __user *uarg)
{
	struct monitor_unregister req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return monitor_entry_unregister(&req);
}

static long monitor_ioctl_query(void __user *uarg)
{
	struct monitor_query q;
	int ret;

	if (copy_from_user(&q, uarg, sizeof(q)))
		return -EFAULT;
	ret = monitor_entry_query(&q);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &q, sizeof(q)))
		return -EFAULT;
	return 0;
}

static long monitor_ioctl_info(void __user *uarg)
{
	struct monitor_info info;

	monitor_entry_info(&info);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long monitor_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MONITOR_IOC_REGISTER:
		return monitor_ioctl_register(uarg);
	case MONITOR_IOC_UNREGISTER:
		return monitor_ioctl_unregister(uarg);
	case MONITOR_IOC_QUERY:
		return monitor_ioctl_query(uarg);
	case MONITOR_IOC_INFO:
		return monitor_ioctl_info(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations monitor_fops = {
	.owner = THIS_MODULE,
	.open = monitor_open,
	.read = monitor_read,
	.poll = monitor_poll,
	.unlocked_ioctl = monitor_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static ssize_t entries_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", monitor_entry_count());
}
static DEVICE_ATTR_RO(entries);

static struct attribute *monitor_attrs[] = {
	&dev_attr_entries.attr,
	NULL,
};
ATTRIBUTE_GROUPS(monitor);

static struct miscdevice monitor_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MONITOR_DEVICE_NAME,
	.fops = &monitor_fops,
	.groups = monitor_groups,
	.mode = 0600,
};

static int __init monitor_init(void)
{
	int ret;

	ret = monitor_probe_start();
	if (ret)
		return ret;
	monitor_scan_start();
	ret = misc_register(&monitor_miscdev);
	if (ret) {
		monitor_scan_stop();
		monitor_probe_stop();
		return ret;
	}
	pr_info("loaded, ABI %u, period_ms=%u, mode=%s, rss_stat probe %s\n", MONITOR_ABI_VERSION,
		monitor_scan_period_ms(), monitor_mode_name(monitor_mode_default()),
		monitor_probe_attached() ? "attached" : "absent");
	return 0;
}

/* No fd can be open here (the fops hold a module reference). The probe goes first, and every
 * running probe is waited for, so that none reads an entry being freed; then the check work and
 * the scan stop, and nothing but this function reaches the entries. */
static void __exit monitor_exit(void)
{
	misc_deregister(&monitor_miscdev);
	monitor_probe_stop();
	monitor_scan_stop();
	monitor_entry_free_all();
	pr_info("unloaded\n");
}

module_init(monitor_init);
module_exit(monitor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hoglab container memory monitor: per-container RSS soft and hard limits");
