// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: HMAC-SHA256 authentication of frames and the keys it uses.
 *
 * Each namespace holds up to HEARTBEAT_MAX_KEYS keys in an RCU array
 * (hn->keys), changed under hn->lock.  A key is an "hmac(sha256)" shash
 * transform that was given the secret; the module keeps no other copy of
 * the secret (the request that carried it is wiped once the transform has
 * it, and the crypto API wipes the transform when it is freed).  The
 * receive path and the send timer use the transforms under RCU with a
 * descriptor on the stack, which is allowed in softirq context; a key is
 * freed only after synchronize_net(), so none of them can still use it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/error-injection.h>
#include <linux/lockdep.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "auth.h"
#include "frame.h"
#include "hb.h"
#include "netlink.h"
#include "peer.h"

#define HB_MAC_LEN	SHA256_DIGEST_SIZE

/* Bit of hn->auth_flags: signing failed, HB_EVENT_AUTH was raised. */
#define HB_AUTH_FAILING	0

static_assert(sizeof_field(struct hb_auth, mac) == HB_MAC_LEN);

/*
 * Any context; under rcu_read_lock(), rcu_read_lock_bh() (the send path)
 * or hn->lock.  Keys are freed after synchronize_net(), which waits for
 * readers of either kind.
 */
static struct hb_key *hb_key_find(struct hb_net *hn, u8 id)
{
	struct hb_key *key;
	unsigned int i;

	if (!id)
		return NULL;
	for (i = 0; i < HEARTBEAT_MAX_KEYS; i++) {
		key = rcu_dereference_check(hn->keys[i],
					    lockdep_is_held(&hn->lock) ||
					    rcu_read_lock_bh_held());
		if (key && key->id == id)
			return key;
	}
	return NULL;
}

static void hb_key_free(struct hb_key *key)
{
	crypto_free_shash(key->tfm);
	kfree(key);
	atomic64_dec(&hb_objects[HB_OBJ_KEYS]);
}

/*
 * The MAC of a frame: HMAC of @len bytes at @data (the frame and the
 * first bytes of its trailer), then of the destination's node id, which
 * is not sent: a frame signed for one node does not verify at another.
 * 0 or a negative errno.
 */
static int hb_key_mac(struct hb_key *key, const u8 *data, size_t len,
		      u32 dest_id, u8 mac[HB_MAC_LEN])
{
	SHASH_DESC_ON_STACK(desc, key->tfm);
	__be32 dest = cpu_to_be32(dest_id);
	int err;

	desc->tfm = key->tfm;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, data, len) ?:
	      crypto_shash_update(desc, (const u8 *)&dest, sizeof(dest)) ?:
	      crypto_shash_final(desc, mac);
	shash_desc_zero(desc);
	return err;
}

/**
 * hb_key_add() - install a key
 * @hn: the instance
 * @id: key id, 1..255
 * @secret: HEARTBEAT_KEY_LEN bytes; the caller wipes them afterwards
 * @primary: make it the primary key
 * @extack: for error messages
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno (-EEXIST, -ENOSPC, or a crypto error).
 */
int hb_key_add(struct hb_net *hn, u8 id, const u8 *secret, bool primary,
	       struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm;
	struct hb_key *key;
	int err, slot = -1;
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	if (hb_key_find(hn, id)) {
		NL_SET_ERR_MSG_MOD(extack, "key id already exists");
		return -EEXIST;
	}
	for (i = 0; i < HEARTBEAT_MAX_KEYS; i++) {
		if (!rcu_access_pointer(hn->keys[i])) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		NL_SET_ERR_MSG_MOD(extack, "too many keys (delete one first)");
		return -ENOSPC;
	}

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm)) {
		NL_SET_ERR_MSG_MOD(extack, "hmac(sha256) is not available");
		return PTR_ERR(tfm);
	}
	err = crypto_shash_setkey(tfm, secret, HEARTBEAT_KEY_LEN);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the key was refused by hmac(sha256)");
		crypto_free_shash(tfm);
		return err;
	}
	key = kzalloc(sizeof(*key), GFP_KERNEL_ACCOUNT);
	if (!key) {
		crypto_free_shash(tfm);
		return -ENOMEM;
	}
	key->id = id;
	key->tfm = tfm;
	atomic64_inc(&hb_objects[HB_OBJ_KEYS]);

	rcu_assign_pointer(hn->keys[slot], key);
	if (primary)
		WRITE_ONCE(hn->primary_key, id);
	return 0;
}

/**
 * hb_key_set_primary() - sign frames with another key from now on
 * @hn: the instance
 * @id: an installed key
 * @extack: for error messages
 *
 * Context: process context, hn->lock held.
 * Return: 0, or -ENOENT for an unknown key.
 */
int hb_key_set_primary(struct hb_net *hn, u8 id,
		       struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&hn->lock);

	if (!hb_key_find(hn, id)) {
		NL_SET_ERR_MSG_MOD(extack, "key not found");
		return -ENOENT;
	}
	WRITE_ONCE(hn->primary_key, id);
	return 0;
}

/**
 * hb_key_del() - remove a key and wipe it
 * @hn: the instance
 * @id: the key
 * @extack: for error messages
 *
 * The primary key cannot go while authentication is required; when it
 * goes otherwise, frames are sent unsigned from then on.
 *
 * Context: process context, hn->lock held; sleeps.
 * Return: 0, -ENOENT for an unknown key, -EBUSY for the primary one.
 */
int hb_key_del(struct hb_net *hn, u8 id, struct netlink_ext_ack *extack)
{
	struct hb_key *key;
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	for (i = 0; i < HEARTBEAT_MAX_KEYS; i++) {
		key = rcu_dereference_protected(hn->keys[i],
						lockdep_is_held(&hn->lock));
		if (key && key->id == id)
			break;
	}
	if (i == HEARTBEAT_MAX_KEYS) {
		NL_SET_ERR_MSG_MOD(extack, "key not found");
		return -ENOENT;
	}
	if (hn->primary_key == id && hn->auth) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the primary key is in use: make another key primary or turn auth off first");
		return -EBUSY;
	}
	if (hn->primary_key == id)
		WRITE_ONCE(hn->primary_key, 0);
	RCU_INIT_POINTER(hn->keys[i], NULL);
	/* No receive path or send timer uses it any more. */
	synchronize_net();
	hb_key_free(key);
	return 0;
}

/**
 * hb_auth_check() - can authentication be required as @cfg asks?
 * @hn: the instance
 * @cfg: a NODE_SET request
 * @extack: for error messages
 *
 * Context: process context, hn->lock held.
 * Return: 0, or -ENOKEY when auth is turned on without a primary key.
 */
int hb_auth_check(struct hb_net *hn, const struct hb_node_cfg *cfg,
		  struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&hn->lock);

	if (cfg->has_auth && cfg->auth && !hn->primary_key) {
		NL_SET_ERR_MSG_MOD(extack,
				   "authentication needs a primary key (hbctl key add ... primary)");
		return -ENOKEY;
	}
	return 0;
}

/**
 * hb_auth_fill_key() - describe the key in slot @slot for a dump
 * @hn: the instance
 * @slot: 0..HEARTBEAT_MAX_KEYS - 1
 * @id: its id, 0 when the slot is free
 * @primary: it is the primary key
 * @rx: frames verified with it
 * @tx: frames signed with it
 *
 * Context: rcu_read_lock() or hn->lock held.
 */
void hb_auth_fill_key(struct hb_net *hn, unsigned int slot, u8 *id,
		      bool *primary, u64 *rx, u64 *tx)
{
	struct hb_key *key;

	key = rcu_dereference_check(hn->keys[slot], lockdep_is_held(&hn->lock));
	*id = key ? key->id : 0;
	if (!key)
		return;
	*primary = READ_ONCE(hn->primary_key) == key->id;
	*rx = atomic64_read(&key->rx);
	*tx = atomic64_read(&key->tx);
}

/**
 * hb_auth_nkeys() - number of installed keys
 * @hn: the instance
 *
 * Context: hn->lock held.
 * Return: the count.
 */
unsigned int hb_auth_nkeys(struct hb_net *hn)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&hn->lock);

	for (i = 0; i < HEARTBEAT_MAX_KEYS; i++)
		n += !!rcu_access_pointer(hn->keys[i]);
	return n;
}

/**
 * hb_auth_verify() - check the signature of a received frame
 * @hn: the instance
 * @buf: the UDP payload, parsed by hb_frame_parse() into @fi
 * @fi: the frame
 *
 * Context: softirq, rcu_read_lock() held.
 * Return: HB_FRAME_OK, or the enum hb_drop_reason to count.
 */
int hb_auth_verify(struct hb_net *hn, const u8 *buf,
		   const struct hb_frame_info *fi)
{
	bool required = READ_ONCE(hn->auth);
	u8 mac[HB_MAC_LEN];
	struct hb_key *key;
	int ret = HB_FRAME_OK;

	if (!(fi->flags & HB_FRAME_F_AUTH))
		return required ? HB_DROP_UNAUTH : HB_FRAME_OK;

	key = hb_key_find(hn, fi->auth_key_id);
	if (!key)
		return required ? HB_DROP_NO_KEY : HB_FRAME_OK;

	/* The frame and the key id + reserved bytes of the trailer. */
	if (hb_key_mac(key, buf, fi->length + offsetof(struct hb_auth, mac),
		       READ_ONCE(hn->node_id), mac) ||
	    crypto_memneq(mac, buf + fi->length + offsetof(struct hb_auth, mac),
			  HB_MAC_LEN))
		ret = HB_DROP_AUTH;
	else
		atomic64_inc(&key->rx);
	memzero_explicit(mac, sizeof(mac));
	return ret;
}

/**
 * hb_auth_sign_key() - the key to sign the next frame with
 * @hn: the instance
 * @key: set to the primary key, or NULL to send unsigned
 *
 * Context: softirq, rcu_read_lock_bh() held (the key is valid until it
 * is released).
 * Return: 0, or -ENOKEY when authentication is required and there is no
 * primary key (nothing must be sent).
 */
int hb_auth_sign_key(struct hb_net *hn, struct hb_key **key)
{
	*key = hb_key_find(hn, READ_ONCE(hn->primary_key));
	if (!*key && READ_ONCE(hn->auth))
		return -ENOKEY;
	return 0;
}

/**
 * hb_auth_sign() - append the trailer to a built frame
 * @hn: the instance
 * @key: from hb_auth_sign_key()
 * @frame: the frame (header with HB_FRAME_F_AUTH set, and extensions)
 * @len: its length, hdr.length
 * @dest_id: node id of the destination
 *
 * Writes the struct hb_auth at @frame + @len (the caller made room).
 *
 * The failure cannot be caused from outside (the transform was set up when
 * the key was added), so it is open to function error injection: with
 * CONFIG_FAIL_FUNCTION, selftests/auth.sh (HB_AUTH_FAIL_INJECT=1) makes it
 * fail to test that a node that cannot sign sends nothing.
 *
 * Context: softirq, rcu_read_lock_bh() held.
 * Return: 0, or a negative errno when the MAC could not be computed (the
 * frame must then not be sent).
 */
int hb_auth_sign(struct hb_net *hn, struct hb_key *key, u8 *frame, size_t len,
		 u32 dest_id)
{
	struct hb_auth *t = (struct hb_auth *)(frame + len);
	int err;

	t->key_id = key->id;
	memset(t->reserved, 0, sizeof(t->reserved));
	err = hb_key_mac(key, frame, len + offsetof(struct hb_auth, mac),
			 dest_id, t->mac);
	if (err)
		return err;
	atomic64_inc(&key->tx);
	return 0;
}

ALLOW_ERROR_INJECTION(hb_auth_sign, ERRNO);

/**
 * hb_auth_tx_failed() - a frame could not be signed and was not sent
 * @hn: the instance
 *
 * Counts it and raises HB_EVENT_AUTH on the first failure after a success.
 *
 * Context: softirq.
 */
void hb_auth_tx_failed(struct hb_net *hn)
{
	struct hb_event ev = {
		.type		= HB_EVENT_AUTH,
		.reason		= HB_REASON_NO_KEY,
	};

	atomic64_inc(&hn->tx_no_key);
	if (test_and_set_bit(HB_AUTH_FAILING, &hn->auth_flags))
		return;
	ev.time_ns = ktime_get_ns();
	hb_genl_notify_event(hn, &ev);
}

/**
 * hb_auth_tx_ok() - a frame was signed (or needed no signature)
 * @hn: the instance
 *
 * Context: softirq.
 */
void hb_auth_tx_ok(struct hb_net *hn)
{
	if (unlikely(test_bit(HB_AUTH_FAILING, &hn->auth_flags)))
		clear_bit(HB_AUTH_FAILING, &hn->auth_flags);
}

/**
 * hb_auth_net_exit() - free every key of a dying namespace
 * @hn: the instance, without sockets or peers (nothing uses the keys)
 *
 * Context: pernet exit.
 */
void hb_auth_net_exit(struct hb_net *hn)
{
	struct hb_key *key;
	unsigned int i;

	for (i = 0; i < HEARTBEAT_MAX_KEYS; i++) {
		key = rcu_dereference_protected(hn->keys[i], true);
		RCU_INIT_POINTER(hn->keys[i], NULL);
		if (key)
			hb_key_free(key);
	}
}
