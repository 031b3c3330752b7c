//! A child without the kernel keyring, as in a container under Docker's default seccomp
//! profile: keyctl, add_key and request_key fail with EPERM (a BPF filter installed between
//! fork and exec, after PR_SET_NO_NEW_PRIVS, so no privilege is needed).

use std::os::unix::process::CommandExt;
use std::process::Command;

/// `cmd`'s process (and its children) get EPERM from the three keyring system calls.
pub fn forbid_keyrings(cmd: &mut Command) -> &mut Command {
    const LD_NR: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let forbidden = [libc::SYS_keyctl, libc::SYS_add_key, libc::SYS_request_key];
    let mut filter = vec![libc::sock_filter {
        code: LD_NR,
        jt: 0,
        jf: 0,
        k: 0, // offsetof(struct seccomp_data, nr)
    }];
    for (i, nr) in forbidden.iter().enumerate() {
        // A match jumps over the remaining tests and the ALLOW, to the ERRNO.
        let left = (forbidden.len() - i) as u8;
        filter.push(libc::sock_filter {
            code: JEQ,
            jt: left,
            jf: 0,
            k: *nr as u32,
        });
    }
    filter.push(libc::sock_filter {
        code: RET,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ALLOW,
    });
    filter.push(libc::sock_filter {
        code: RET,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
    });
    // SAFETY: between fork and exec only async-signal-safe calls are made (two prctl), on
    // a filter the closure owns.
    unsafe {
        cmd.pre_exec(move || {
            let program = libc::sock_fprog {
                len: filter.len() as u16,
                filter: filter.as_ptr() as *mut libc::sock_filter,
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &program as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}
