// Native programs over the resident state table (kernels/src/native/gpu.rs):
// one invocation per job, a fee-token transfer or a constant-product swap,
// with exactly the host's semantics (wavelane-host, exec/native.rs).
//
// Job i of a dispatch is jobs[first + i]; its receipt goes to
// receipts[first + i]. Role j's value is at table[src[j]], or in recorded
// mode (mode 1) at history[src[j] & ~FROM_HISTORY] when src[j] has
// FROM_HISTORY. The roles written go to table[src[j]] (mode 0, in place) or
// to history[out_base + i * 9 + j] (mode 1, the table untouched).
//
// Every role the job has a slot for is loaded and made canonical once, up
// front (one field product per role, in one loop); the program then marks
// as read exactly the roles the host's program reads through its view.
// Written halves are kept canonical and turned back into Montgomery form
// in one loop at the end. Amounts are u256s of eight little-endian u32
// words; a balance is two cells, each a canonical integer below 2^128.
//! include field

struct Job {
    kind: u32,
    flags: u32,
    src: array<u32, 9>,
    nonce: array<u32, 2>,
    fee: array<u32, 4>,
    amount: array<u32, 8>,
    min_out: array<u32, 8>,
    pad: u32,
}

struct Receipt {
    code: u32,
    mask: u32,
    which: u32,
    pad: u32,
    detail: array<u32, 8>,
}

struct Params {
    first: u32,    // index of the dispatch's first job (and receipt)
    n: u32,        // jobs in the dispatch
    mode: u32,     // 0: in place; 1: recorded
    out_base: u32, // recorded: the history index of job 0's role 0
}

@group(0) @binding(0) var<storage, read> jobs: array<Job>;
@group(0) @binding(1) var<storage, read_write> table: array<Fe>;
@group(0) @binding(2) var<storage, read_write> history: array<Fe>;
@group(0) @binding(3) var<storage, read_write> receipts: array<Receipt>;
@group(0) @binding(4) var<uniform> params: Params;

const ROLES: u32 = 9u;
const NO_SLOT: u32 = 0xffffffffu;
const FROM_HISTORY: u32 = 0x80000000u;
const NONE: u32 = 0xffffffffu;

const SWAP: u32 = 1u;

const TOKEN_IS_STRK: u32 = 1u;
const SELF_TRANSFER: u32 = 2u;
const B_TO_A: u32 = 4u;
const USER_IS_POOL: u32 = 8u;

const NONCE: u32 = 0u;
const STRK_LO: u32 = 1u;
const SRC_LO: u32 = 3u;
const DST_LO: u32 = 5u;
const ETH_LO: u32 = 3u;
const R0_LO: u32 = 5u;
const R1_LO: u32 = 7u;

const OK: u32 = 0u;
const BAD_NONCE: u32 = 1u;
const FEE_UNPAID: u32 = 2u;
const FEE_BAD_CELL: u32 = 3u;
const INSUFFICIENT: u32 = 4u;
const BAD_CELL: u32 = 5u;
const OVERFLOW: u32 = 6u;
const SLIPPAGE: u32 = 7u;
const SELF_SWAP: u32 = 8u;

alias U256 = array<u32, 8>;

struct Outcome { code: u32, which: u32, detail: U256 }

// A u256 read from two cells; `bad` is the first cell wider than 128 bits
// (its role), or NONE.
struct Bal { v: U256, bad: u32 }

// A sum or difference and its carry (borrow) out of 256 bits.
struct Carry { v: U256, c: u32 }

// A quotient, or `ok == false` where the host's arithmetic returns None.
struct Quot { v: U256, ok: bool }

var<private> job: Job;
// Bits j: role j written; bits 16 + j: role j read.
var<private> mask: u32;
// The nonce cell as read (Montgomery form).
var<private> nonce_cell: Fe;
// Each role's cell, canonical.
var<private> cells: array<Fe, 9>;
// Each written role's new value, canonical (below 2^128; the nonce aside).
var<private> halves: array<array<u32, 4>, 9>;

fn u_zero() -> U256 {
    return U256(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
}

fn u_add(a: U256, b: U256) -> Carry {
    var r: U256;
    var c = 0lu;
    for (var i = 0u; i < 8u; i++) {
        let v = u64(a[i]) + u64(b[i]) + c;
        r[i] = u32(v & 0xfffffffflu);
        c = v >> 32u;
    }
    return Carry(r, u32(c));
}

fn u_sub(a: U256, b: U256) -> Carry {
    var r: U256;
    var borrow = 0lu;
    for (var i = 0u; i < 8u; i++) {
        let v = (u64(a[i]) | 0x100000000lu) - u64(b[i]) - borrow;
        r[i] = u32(v & 0xfffffffflu);
        borrow = 1lu - (v >> 32u);
    }
    return Carry(r, u32(borrow));
}

fn u_lt(a: U256, b: U256) -> bool {
    for (var k = 0u; k < 8u; k++) {
        let i = 7u - k;
        if (a[i] != b[i]) { return a[i] < b[i]; }
    }
    return false;
}

fn u_is_zero(a: U256) -> bool {
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) { acc |= a[i]; }
    return acc == 0u;
}

// a · k; `c` is nonzero when the product needs more than 256 bits.
fn u_mul_small(a: U256, k: u32) -> Carry {
    var r: U256;
    var c = 0lu;
    for (var i = 0u; i < 8u; i++) {
        let v = u64(a[i]) * u64(k) + c;
        r[i] = u32(v & 0xfffffffflu);
        c = v >> 32u;
    }
    return Carry(r, u32(c));
}

fn u_shl1(a: U256) -> U256 {
    var r: U256;
    var c = 0u;
    for (var i = 0u; i < 8u; i++) {
        r[i] = (a[i] << 1u) | c;
        c = a[i] >> 31u;
    }
    return r;
}

// ⌊a · b / d⌋ through a 512-bit product and a restoring division, one bit
// at a time (the host's `U256::mul_div`): not ok when d is 0 or the
// quotient needs more than 256 bits.
fn mul_div(a: U256, b: U256, d: U256) -> Quot {
    if (u_is_zero(d)) { return Quot(u_zero(), false); }
    var p: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        var c = 0lu;
        for (var j = 0u; j < 8u; j++) {
            let t = u64(p[i + j]) + u64(a[i]) * u64(b[j]) + c;
            p[i + j] = u32(t & 0xfffffffflu);
            c = t >> 32u;
        }
        p[i + 8u] = u32(c);
    }
    var high: U256;
    var low: U256;
    for (var i = 0u; i < 8u; i++) {
        low[i] = p[i];
        high[i] = p[i + 8u];
    }
    if (!u_lt(high, d)) { return Quot(u_zero(), false); }
    var rem = high;
    var q = u_zero();
    for (var k = 0u; k < 256u; k++) {
        let bit = 255u - k;
        let top = rem[7] >> 31u;
        rem = u_shl1(rem);
        rem[0] |= (low[bit / 32u] >> (bit % 32u)) & 1u;
        if (top == 1u || !u_lt(rem, d)) {
            rem = u_sub(rem, d).v;
            q[bit / 32u] |= 1u << (bit % 32u);
        }
    }
    return Quot(q, true);
}

// What a constant-product pool with a 0.3 % fee returns:
// reserve_out · paid / (reserve_in · 1000 + paid), paid = amount_in · 997.
fn amount_out(reserve_in: U256, reserve_out: U256, amount_in: U256) -> Quot {
    let paid = u_mul_small(amount_in, 997u);
    let scaled = u_mul_small(reserve_in, 1000u);
    let den = u_add(scaled.v, paid.v);
    if (paid.c != 0u || scaled.c != 0u || den.c != 0u) { return Quot(u_zero(), false); }
    return mul_div(reserve_out, paid.v, den.v);
}

// Where role j's value is.
fn load(j: u32) -> Fe {
    let s = job.src[j];
    if (params.mode == 1u && (s & FROM_HISTORY) != 0u) {
        return history[s & ~FROM_HISTORY];
    }
    return table[s];
}

// The balance in roles lo, lo + 1 (both read, the low cell checked first).
fn read_bal(lo: u32) -> Bal {
    mask |= 3u << (16u + lo);
    let a = cells[lo];
    let b = cells[lo + 1u];
    var r: Bal;
    r.bad = NONE;
    for (var k = 0u; k < 4u; k++) {
        r.v[k] = a.l[k];
        r.v[k + 4u] = b.l[k];
    }
    if ((a.l[4] | a.l[5] | a.l[6] | a.l[7]) != 0u) {
        r.bad = lo;
    } else if ((b.l[4] | b.l[5] | b.l[6] | b.l[7]) != 0u) {
        r.bad = lo + 1u;
    }
    return r;
}

// The host's `write_balance`: the balance in roles lo, lo + 1 goes from
// `prev` to `next`; a half is written when it changes or was written before
// (its value replaced).
fn write_bal(lo: u32, prev: U256, next: U256) {
    for (var h = 0u; h < 2u; h++) {
        let role = lo + h;
        var differs = false;
        for (var k = 0u; k < 4u; k++) {
            differs = differs || prev[4u * h + k] != next[4u * h + k];
            // A half written before takes the new value even when this
            // write leaves it as it was.
            halves[role][k] = next[4u * h + k];
        }
        if (differs) { mask |= 1u << role; }
    }
}

fn done(code: u32, which: u32, detail: U256) -> Outcome {
    return Outcome(code, which, detail);
}

fn transfer(after_fee: U256) -> Outcome {
    var src_lo = SRC_LO;
    var src = after_fee;
    if ((job.flags & TOKEN_IS_STRK) != 0u) {
        src_lo = STRK_LO;
    } else {
        let b = read_bal(SRC_LO);
        if (b.bad != NONE) { return done(BAD_CELL, b.bad, u_zero()); }
        src = b.v;
    }
    let src_after = u_sub(src, job.amount);
    if (src_after.c != 0u) { return done(INSUFFICIENT, 0u, src); }
    if ((job.flags & SELF_TRANSFER) != 0u) { return done(OK, 0u, u_zero()); }
    let dst = read_bal(DST_LO);
    if (dst.bad != NONE) { return done(BAD_CELL, dst.bad, u_zero()); }
    let dst_after = u_add(dst.v, job.amount);
    if (dst_after.c != 0u) { return done(OVERFLOW, 0u, u_zero()); }
    write_bal(src_lo, src, src_after.v);
    write_bal(DST_LO, dst.v, dst_after.v);
    return done(OK, 0u, u_zero());
}

// The trader's balance in roles lo, lo + 1: the STRK cells are not read
// again (their value is the balance after the fee).
fn read_user(lo: u32, after_fee: U256) -> Bal {
    if (lo == STRK_LO) { return Bal(after_fee, NONE); }
    return read_bal(lo);
}

fn swap(after_fee: U256) -> Outcome {
    if ((job.flags & USER_IS_POOL) != 0u) { return done(SELF_SWAP, 0u, u_zero()); }
    // The trader's cells paid from and received into, the pool's reserves
    // in and out.
    var user_in = STRK_LO;
    var user_out = ETH_LO;
    var pool_in = R0_LO;
    var pool_out = R1_LO;
    if ((job.flags & B_TO_A) != 0u) {
        user_in = ETH_LO;
        user_out = STRK_LO;
        pool_in = R1_LO;
        pool_out = R0_LO;
    }
    let have_in = read_user(user_in, after_fee);
    if (have_in.bad != NONE) { return done(BAD_CELL, have_in.bad, u_zero()); }
    if (u_lt(have_in.v, job.amount)) { return done(INSUFFICIENT, 0u, have_in.v); }
    let res_in = read_bal(pool_in);
    let res_out = read_bal(pool_out);
    if (res_in.bad != NONE) { return done(BAD_CELL, res_in.bad, u_zero()); }
    if (res_out.bad != NONE) { return done(BAD_CELL, res_out.bad, u_zero()); }
    let out = amount_out(res_in.v, res_out.v, job.amount);
    if (!out.ok) { return done(OVERFLOW, 0u, u_zero()); }
    if (u_lt(out.v, job.min_out)) { return done(SLIPPAGE, 0u, out.v); }
    let have_out = read_user(user_out, after_fee);
    if (have_out.bad != NONE) { return done(BAD_CELL, have_out.bad, u_zero()); }
    let pool_in_after = u_add(res_in.v, job.amount);
    let user_out_after = u_add(have_out.v, out.v);
    if (pool_in_after.c != 0u || user_out_after.c != 0u) { return done(OVERFLOW, 0u, u_zero()); }
    // out ≤ res_out and have_in ≥ amount: neither subtraction borrows.
    let pool_out_after = u_sub(res_out.v, out.v).v;
    let user_in_after = u_sub(have_in.v, job.amount).v;
    write_bal(user_in, have_in.v, user_in_after);
    write_bal(user_out, have_out.v, user_out_after.v);
    write_bal(pool_in, res_in.v, pool_in_after.v);
    write_bal(pool_out, res_out.v, pool_out_after);
    return done(OK, 0u, u_zero());
}

// The nonce checked and advanced, the fee debited, then the program.
fn run() -> Outcome {
    mask |= 1u << (16u + NONCE);
    let have = cells[NONCE];
    var same = have.l[0] == job.nonce[0] && have.l[1] == job.nonce[1];
    for (var k = 2u; k < 8u; k++) { same = same && have.l[k] == 0u; }
    if (!same) { return done(BAD_NONCE, 0u, nonce_cell.l); }
    let balance = read_bal(STRK_LO);
    if (balance.bad != NONE) { return done(FEE_BAD_CELL, balance.bad, u_zero()); }
    let fee = U256(job.fee[0], job.fee[1], job.fee[2], job.fee[3], 0u, 0u, 0u, 0u);
    let after = u_sub(balance.v, fee);
    if (after.c != 0u) { return done(FEE_UNPAID, 0u, balance.v); }
    mask |= 1u << NONCE;
    write_bal(STRK_LO, balance.v, after.v);
    if (job.kind == SWAP) { return swap(after.v); }
    return transfer(after.v);
}

@compute @workgroup_size(64)
fn native_jobs(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= params.n) { return; }
    job = jobs[params.first + i];
    mask = 0u;
    // 1 as an integer: fe_mul(x, 1) is x's canonical value.
    let raw_one = Fe(array<u32, 8>(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u));
    for (var j = 0u; j < ROLES; j++) {
        var v = fe_zero();
        if (job.src[j] != NO_SLOT) { v = load(j); }
        if (j == NONCE) { nonce_cell = v; }
        cells[j] = fe_mul(v, raw_one);
    }
    let o = run();
    // 2^512 mod p: fe_mul(c, R2) is the Montgomery form of the integer c.
    let r2 = Fe(array<u32, 8>(0x7e000401u, 0xfffffd73u, 0x330fffffu, 0x00000001u,
                              0xff6f8000u, 0xffffffffu, 0x5e008810u, 0x07ffd4abu));
    for (var j = 0u; j < ROLES; j++) {
        if ((mask & (1u << j)) == 0u) { continue; }
        var v: Fe;
        if (j == NONCE) {
            // The nonce equals the job's (a u64), so this never wraps.
            v = fe_add(nonce_cell, fe_one());
        } else {
            let c = halves[j];
            v = fe_mul(Fe(array<u32, 8>(c[0], c[1], c[2], c[3], 0u, 0u, 0u, 0u)), r2);
        }
        if (params.mode == 1u) {
            history[params.out_base + i * ROLES + j] = v;
        } else {
            table[job.src[j]] = v;
        }
    }
    receipts[params.first + i] = Receipt(o.code, mask, o.which, 0u, o.detail);
}
