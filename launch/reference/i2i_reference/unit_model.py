# UNIT's training iteration in PyTorch, in the two official versions (networks in
# unit_networks.py). Every Gaussian draw goes through `noise(shape)` (default torch.randn), so
# that a golden fixture can record the draws and i2i can replay them.
#
# master: mingyuliutw/UNIT branch master `trainer.py` (`UNIT_Trainer`), `train.py`, `utils.py`
#   (`get_scheduler`), configs/unit_*.yaml. One Adam for gen_a + gen_b and one for dis_a + dis_b
#   (lr 1e-4, β 0.5 / 0.999, weight decay 1e-4 coupled as torch's Adam applies it); StepLR
#   (step_size, γ) stepped at the start of every iteration (train.py calls
#   update_learning_rate() before dis_update and gen_update), so iteration i (from 0) trains at
#   lr·γ^⌊(i + 1) / step_size⌋. dis_update: encode both domains (two draws), decode across with
#   h + n, D loss gan_w·(calc_dis_loss_a + calc_dis_loss_b) on detached fakes. gen_update:
#   encode both (two draws), decode within and across with h + n, re-encode x_ba with gen_a and
#   x_ab with gen_b (two draws), decode the cycle with h_recon + n_recon; KL = mean(h²) of the
#   codes without noise; L1 means. Six draws per iteration, each a hidden's shape. The
#   domain-invariant perceptual (VGG) term of vgg_w > 0 is not expressed (off in every config
#   but gta2city). With recon_x_cyc_w = 0 the official gen_update fails (its cycle L1 takes
#   None); here the cycle decodes are skipped and their terms reported as 0, as MUNIT's
#   trainer does, while the re-encodings (and their draws) still happen.
#
# paper: mingyuliutw/UNIT branch version_02 `src/trainers/cocogan_trainer.py`
#   (`COCOGANTrainer`), `src/cocogan_train.py`, exps/unit/*.yaml. Adam(lr, β 0.5 / 0.999,
#   weight decay 1e-4) for gen and for dis, constant rate; dis_update then gen_update each
#   iteration. dis_update: gen(a, b) (one draw of [2N, C, h, w]), per domain real and fake
#   concatenated through the discriminator, sigmoid + BCE (real 1, fake 0) summed over the
#   discriminator's outputs, × gan_w. gen_update: gen(a, b) (one [2N, …] draw), forward_a2b(x_ba)
#   and forward_b2a(x_ab) (one [N, …] draw each), BCE-to-ones of dis(x_ba, x_ab), L1 means,
#   KL = mean(shared²) of the codes with noise added, the direct term doubled as written
#   (`kl_direct_link_w·(enc_loss + enc_loss)`). Four draws per iteration.
#
# Differences of execution that change no value: the generators' forward pass of a D step runs
# without autograd (the official one builds the graph; master detaches the fakes, and the
# paper's gen_update zeroes the generator gradients the D step leaves), and the discriminators
# do not require gradients during a G step (the official ones collect gradients there that the
# next D step zeroes). After an iteration every parameter's .grad is therefore its gradient of
# that iteration: discriminators from the D loss, generators from the G loss.
from collections import OrderedDict

import torch
import torch.nn.functional as F

from .unit_networks import COCODis, COCOResGen, MsImageDis, VAEGen, init_master, init_paper


def set_requires_grad(nets, flag):
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def l1(x, target):
    return torch.mean(torch.abs(x - target))


def kl(mu):
    """The reduced VAE's KL term (unit variance): mean(μ²)."""
    return torch.mean(mu ** 2)


class UNITMaster:
    """gen_a, gen_b (VAEGen), dis_a, dis_b (MsImageDis), their two optimisers and `iteration`.

    The networks are built in the official order (gen_a, gen_b, dis_a, dis_b: LayerNorm gammas
    drawn then), converted to `dtype`, then initialised as UNIT_Trainer does, from torch's global
    generator."""

    def __init__(self, dim=64, n_downsample=2, n_res=4, activ="relu", pad_type="reflect", dis_dim=64,
                 dis_norm="none", dis_activ="lrelu", dis_n_layer=4, num_scales=3, dis_pad_type="reflect",
                 gan_type="lsgan", gan_w=1.0, recon_x_w=10.0, recon_kl_w=0.01, recon_x_cyc_w=10.0, recon_kl_cyc_w=0.01,
                 lr=1e-4, beta1=0.5, beta2=0.999, weight_decay=1e-4, step_size=100000, gamma=0.5, noise=torch.randn,
                 dtype=torch.float32):
        gen = dict(dim=dim, n_downsample=n_downsample, n_res=n_res, activ=activ, pad_type=pad_type, noise=noise)
        dis = dict(dim=dis_dim, n_layer=dis_n_layer, norm=dis_norm, activ=dis_activ, num_scales=num_scales,
                   pad_type=dis_pad_type, gan_type=gan_type)
        self.gen_a, self.gen_b = VAEGen(**gen), VAEGen(**gen)
        self.dis_a, self.dis_b = MsImageDis(**dis), MsImageDis(**dis)
        self.nets = OrderedDict(gen_a=self.gen_a, gen_b=self.gen_b, dis_a=self.dis_a, dis_b=self.dis_b)
        for net in self.nets.values():
            net.to(dtype)
        init_master(self.gen_a, self.gen_b, self.dis_a, self.dis_b)
        self.w = dict(gan_w=gan_w, recon_x_w=recon_x_w, recon_kl_w=recon_kl_w, recon_x_cyc_w=recon_x_cyc_w,
                      recon_kl_cyc_w=recon_kl_cyc_w)
        self.base_lr, self.step_size, self.gamma = lr, step_size, gamma
        self.dis_opt = torch.optim.Adam(list(self.dis_a.parameters()) + list(self.dis_b.parameters()), lr=lr,
                                        betas=(beta1, beta2), weight_decay=weight_decay)
        self.gen_opt = torch.optim.Adam(list(self.gen_a.parameters()) + list(self.gen_b.parameters()), lr=lr,
                                        betas=(beta1, beta2), weight_decay=weight_decay)
        self.iterations = 0

    def learning_rate(self, iteration):
        """The rate iteration `iteration` (from 0) trains at: the scheduler has stepped i + 1 times."""
        return self.base_lr * self.gamma ** ((iteration + 1) // self.step_size)

    def update_learning_rate(self):
        for g in self.dis_opt.param_groups + self.gen_opt.param_groups:
            g["lr"] = self.learning_rate(self.iterations)

    def dis_update(self, x_a, x_b):
        with torch.no_grad():
            h_a, n_a = self.gen_a.encode(x_a)
            h_b, n_b = self.gen_b.encode(x_b)
            x_ba = self.gen_a.decode(h_b + n_b)
            x_ab = self.gen_b.decode(h_a + n_a)
        self.dis_opt.zero_grad(set_to_none=False)
        dis_a = self.dis_a.calc_dis_loss(x_ba, x_a)
        dis_b = self.dis_b.calc_dis_loss(x_ab, x_b)
        total = self.w["gan_w"] * dis_a + self.w["gan_w"] * dis_b
        total.backward()
        self.dis_opt.step()
        return OrderedDict(dis_a=dis_a, dis_b=dis_b, dis_total=total)

    def gen_update(self, x_a, x_b):
        w = self.w
        self.gen_opt.zero_grad(set_to_none=False)
        set_requires_grad([self.dis_a, self.dis_b], False)
        h_a, n_a = self.gen_a.encode(x_a)
        h_b, n_b = self.gen_b.encode(x_b)
        x_a_recon = self.gen_a.decode(h_a + n_a)
        x_b_recon = self.gen_b.decode(h_b + n_b)
        x_ba = self.gen_a.decode(h_b + n_b)
        x_ab = self.gen_b.decode(h_a + n_a)
        h_b_recon, n_b_recon = self.gen_a.encode(x_ba)
        h_a_recon, n_a_recon = self.gen_b.encode(x_ab)
        zero = torch.zeros((), dtype=x_a.dtype)
        if w["recon_x_cyc_w"] > 0:
            cyc_x_a = l1(self.gen_a.decode(h_a_recon + n_a_recon), x_a)
            cyc_x_b = l1(self.gen_b.decode(h_b_recon + n_b_recon), x_b)
        else:
            cyc_x_a = cyc_x_b = zero
        losses = OrderedDict(
            gen_adv_a=self.dis_a.calc_gen_loss(x_ba),
            gen_adv_b=self.dis_b.calc_gen_loss(x_ab),
            gen_recon_x_a=l1(x_a_recon, x_a),
            gen_recon_x_b=l1(x_b_recon, x_b),
            gen_recon_kl_a=kl(h_a),
            gen_recon_kl_b=kl(h_b),
            gen_cyc_x_a=cyc_x_a,
            gen_cyc_x_b=cyc_x_b,
            gen_recon_kl_cyc_aba=kl(h_a_recon),
            gen_recon_kl_cyc_bab=kl(h_b_recon))
        # Summed in the official order (trainer.py gen_update).
        total = (w["gan_w"] * losses["gen_adv_a"] + w["gan_w"] * losses["gen_adv_b"]
                 + w["recon_x_w"] * losses["gen_recon_x_a"] + w["recon_kl_w"] * losses["gen_recon_kl_a"]
                 + w["recon_x_w"] * losses["gen_recon_x_b"] + w["recon_kl_w"] * losses["gen_recon_kl_b"]
                 + w["recon_x_cyc_w"] * losses["gen_cyc_x_a"] + w["recon_kl_cyc_w"] * losses["gen_recon_kl_cyc_aba"]
                 + w["recon_x_cyc_w"] * losses["gen_cyc_x_b"] + w["recon_kl_cyc_w"] * losses["gen_recon_kl_cyc_bab"])
        losses["gen_total"] = total
        total.backward()
        self.gen_opt.step()
        set_requires_grad([self.dis_a, self.dis_b], True)
        return losses

    def iteration(self, x_a, x_b, after_dis=None):
        """One iteration of train.py: learning rate, dis_update, gen_update. Returns the loss
        terms (tensors) under the names of the golden fixtures. `after_dis()`, if given, runs
        between the two updates."""
        self.update_learning_rate()
        losses = self.dis_update(x_a, x_b)
        if after_dis is not None:
            after_dis()
        losses.update(self.gen_update(x_a, x_b))
        self.iterations += 1
        return losses

    def translators(self):
        """{'a2b', 'b2a'}: the official test path (encode without noise, the other domain's decoder)."""
        return {"a2b": lambda x: self.gen_a.translate_to(self.gen_b, x),
                "b2a": lambda x: self.gen_b.translate_to(self.gen_a, x)}

    def train(self, mode=True):
        for net in self.nets.values():
            net.train(mode)


def bce_sum(outputs, target):
    """Σ over the discriminator's outputs of BCE(σ(out), target) (means over each output)."""
    loss = 0
    for out in outputs:
        p = torch.sigmoid(out)
        loss = loss + F.binary_cross_entropy(p, torch.full_like(p, target))
    return loss


class UNITPaper:
    """gen (COCOResGen: both domains, shared layers once) and dis (COCODis), their optimisers and
    `iteration`. Built dis then gen (the official order, each block drawing its N(0, 0.02) when
    built), converted to `dtype`, then initialised as COCOGANTrainer does."""

    def __init__(self, ch=64, n_enc_front_blk=3, n_enc_res_blk=3, n_enc_shared_blk=1, n_gen_shared_blk=1,
                 n_gen_res_blk=3, n_gen_front_blk=3, res_dropout_ratio=0.0, dis_ch=64, dis_n_layer=6, gan_w=10.0,
                 ll_direct_link_w=100.0, kl_direct_link_w=0.1, ll_cycle_link_w=100.0, kl_cycle_link_w=0.1, lr=1e-4,
                 beta1=0.5, beta2=0.999, weight_decay=1e-4, noise=torch.randn, dtype=torch.float32):
        self.dis = COCODis(dis_ch, dis_n_layer)
        self.gen = COCOResGen(ch, n_enc_front_blk, n_enc_res_blk, n_enc_shared_blk, n_gen_shared_blk, n_gen_res_blk,
                              n_gen_front_blk, res_dropout_ratio, noise=noise)
        self.nets = OrderedDict(gen=self.gen, dis=self.dis)
        for net in self.nets.values():
            net.to(dtype)
        init_paper(self.gen, self.dis)
        self.w = dict(gan_w=gan_w, ll_direct_link_w=ll_direct_link_w, kl_direct_link_w=kl_direct_link_w,
                      ll_cycle_link_w=ll_cycle_link_w, kl_cycle_link_w=kl_cycle_link_w)
        self.dis_opt = torch.optim.Adam(self.dis.parameters(), lr=lr, betas=(beta1, beta2), weight_decay=weight_decay)
        self.gen_opt = torch.optim.Adam(self.gen.parameters(), lr=lr, betas=(beta1, beta2), weight_decay=weight_decay)
        self.iterations = 0

    def dis_update(self, x_a, x_b):
        with torch.no_grad():
            _, x_ba, x_ab, _, _ = self.gen(x_a, x_b)
        self.dis_opt.zero_grad(set_to_none=False)
        res_a, res_b = self.dis(torch.cat((x_a, x_ba), 0), torch.cat((x_b, x_ab), 0))
        ad_a = ad_b = 0
        for out_a, out_b in zip(res_a, res_b):
            true_a, fake_a = torch.split(torch.sigmoid(out_a), out_a.shape[0] // 2, 0)
            true_b, fake_b = torch.split(torch.sigmoid(out_b), out_b.shape[0] // 2, 0)
            ad_a = ad_a + (F.binary_cross_entropy(true_a, torch.ones_like(true_a))
                           + F.binary_cross_entropy(fake_a, torch.zeros_like(fake_a)))
            ad_b = ad_b + (F.binary_cross_entropy(true_b, torch.ones_like(true_b))
                           + F.binary_cross_entropy(fake_b, torch.zeros_like(fake_b)))
        total = self.w["gan_w"] * (ad_a + ad_b)
        total.backward()
        self.dis_opt.step()
        return OrderedDict(dis_a=ad_a, dis_b=ad_b, dis_total=total)

    def gen_update(self, x_a, x_b):
        w = self.w
        self.gen_opt.zero_grad(set_to_none=False)
        set_requires_grad([self.dis], False)
        x_aa, x_ba, x_ab, x_bb, shared = self.gen(x_a, x_b)
        x_bab, shared_bab = self.gen.forward_a2b(x_ba)
        x_aba, shared_aba = self.gen.forward_b2a(x_ab)
        outs_a, outs_b = self.dis(x_ba, x_ab)
        losses = OrderedDict(
            gen_ad_a=bce_sum(outs_a, 1.0),
            gen_ad_b=bce_sum(outs_b, 1.0),
            gen_ll_a=l1(x_aa, x_a),
            gen_ll_b=l1(x_bb, x_b),
            gen_ll_aba=l1(x_aba, x_a),
            gen_ll_bab=l1(x_bab, x_b),
            gen_enc=kl(shared),
            gen_enc_aba=kl(shared_aba),
            gen_enc_bab=kl(shared_bab))
        total = (w["gan_w"] * (losses["gen_ad_a"] + losses["gen_ad_b"])
                 + w["ll_direct_link_w"] * (losses["gen_ll_a"] + losses["gen_ll_b"])
                 + w["ll_cycle_link_w"] * (losses["gen_ll_aba"] + losses["gen_ll_bab"])
                 + w["kl_direct_link_w"] * (losses["gen_enc"] + losses["gen_enc"])
                 + w["kl_cycle_link_w"] * (losses["gen_enc_bab"] + losses["gen_enc_aba"]))
        losses["gen_total"] = total
        total.backward()
        self.gen_opt.step()
        set_requires_grad([self.dis], True)
        return losses

    def iteration(self, x_a, x_b, after_dis=None):
        """One iteration of cocogan_train.py: dis_update, gen_update (constant rate). Returns the
        loss terms (tensors) under the names of the golden fixtures."""
        losses = self.dis_update(x_a, x_b)
        if after_dis is not None:
            after_dis()
        losses.update(self.gen_update(x_a, x_b))
        self.iterations += 1
        return losses

    def translators(self):
        """{'a2b', 'b2a'}: forward_a2b / forward_b2a; call in evaluation mode (no noise)."""
        return {"a2b": lambda x: self.gen.forward_a2b(x)[0], "b2a": lambda x: self.gen.forward_b2a(x)[0]}

    def train(self, mode=True):
        for net in self.nets.values():
            net.train(mode)
