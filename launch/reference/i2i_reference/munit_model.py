# MUNIT's training iteration in PyTorch (networks in munit_networks.py), as NVlabs/MUNIT
# `trainer.py` (`MUNIT_Trainer`), `train.py` and `utils.py` (`get_scheduler`) run it; with
# self_attention=True it is itsss/img2img_sa (the same trainer, `AdaInGenerator` and
# `ImageDiscriminator`). Every style-code draw goes through `noise(shape)` (default
# torch.randn), so that a golden fixture can record the draws and i2i can replay them.
#
# One Adam for gen_a + gen_b and one for dis_a + dis_b (lr 1e-4, β 0.5 / 0.999, weight decay
# 1e-4 coupled as torch's Adam applies it); StepLR (step_size, γ) stepped at the start of every
# iteration (train.py calls update_learning_rate() before dis_update and gen_update), so
# iteration i (from 0) trains at lr·γ^⌊(i + 1) / step_size⌋.
# dis_update: draw s_a, s_b [N, style_dim, 1, 1]; encode both domains; x_ba = gen_a.decode(c_b,
#   s_a), x_ab = gen_b.decode(c_a, s_b); gan_w·(calc_dis_loss_a + calc_dis_loss_b), fakes detached.
# gen_update: draw s_a, s_b; encode (c, s'), decode within (c_a, s_a') and across (c_b, s_a),
#   re-encode x_ba with gen_a and x_ab with gen_b, decode the cycle x_aba = gen_a.decode(c_a',
#   s_a') when recon_x_cyc_w > 0 (its terms are 0 otherwise, as the official code sets them);
#   L1 means; the targets s_a, c_a are not detached. The total is summed in the official order.
#   The VGG term (vgg_w > 0) is not expressed here (off in every config but synthia2cityscape;
#   its loss is tested alone through vgg16.py).
# Differences of execution that change no value: the D step's generator forward runs without
# autograd (the official one builds the graph and detaches the fakes), and the discriminators
# do not require gradients during the G step (the official ones collect gradients that the next
# D step zeroes). After an iteration every parameter's .grad is its gradient of that iteration.
from collections import OrderedDict

import torch

from .munit_networks import AdaINGen
from .unit_model import l1, set_requires_grad
from .unit_networks import MsImageDis, init_master


class MUNITTrainer:
    """gen_a, gen_b (AdaINGen), dis_a, dis_b (MsImageDis), their two optimisers and `iteration`.

    The networks are built in the official order (gen_a, gen_b, dis_a, dis_b: LayerNorm gammas
    drawn then), converted to `dtype`, then initialised as MUNIT_Trainer does (Kaiming on
    everything, N(0, 0.02) on the discriminators), from torch's global generator."""

    def __init__(self, dim=64, style_dim=8, mlp_dim=256, n_downsample=2, n_res=4, activ="relu", pad_type="reflect",
                 dis_dim=64, dis_norm="none", dis_activ="lrelu", dis_n_layer=4, num_scales=3, dis_pad_type="reflect",
                 gan_type="lsgan", self_attention=False, gan_w=1.0, recon_x_w=10.0, recon_s_w=1.0, recon_c_w=1.0,
                 recon_x_cyc_w=0.0, lr=1e-4, beta1=0.5, beta2=0.999, weight_decay=1e-4, step_size=100000, gamma=0.5,
                 noise=torch.randn, dtype=torch.float32):
        gen = dict(dim=dim, style_dim=style_dim, mlp_dim=mlp_dim, n_downsample=n_downsample, n_res=n_res, activ=activ,
                   pad_type=pad_type, self_attention=self_attention)
        dis = dict(dim=dis_dim, n_layer=dis_n_layer, norm=dis_norm, activ=dis_activ, num_scales=num_scales,
                   pad_type=dis_pad_type, gan_type=gan_type, self_attention=self_attention)
        self.gen_a, self.gen_b = AdaINGen(**gen), AdaINGen(**gen)
        self.dis_a, self.dis_b = MsImageDis(**dis), MsImageDis(**dis)
        self.nets = OrderedDict(gen_a=self.gen_a, gen_b=self.gen_b, dis_a=self.dis_a, dis_b=self.dis_b)
        for net in self.nets.values():
            net.to(dtype)
        init_master(self.gen_a, self.gen_b, self.dis_a, self.dis_b)
        self.style_dim, self.noise, self.dtype = style_dim, noise, dtype
        self.w = dict(gan_w=gan_w, recon_x_w=recon_x_w, recon_s_w=recon_s_w, recon_c_w=recon_c_w,
                      recon_x_cyc_w=recon_x_cyc_w)
        self.base_lr, self.step_size, self.gamma = lr, step_size, gamma
        self.dis_opt = torch.optim.Adam(list(self.dis_a.parameters()) + list(self.dis_b.parameters()), lr=lr,
                                        betas=(beta1, beta2), weight_decay=weight_decay)
        self.gen_opt = torch.optim.Adam(list(self.gen_a.parameters()) + list(self.gen_b.parameters()), lr=lr,
                                        betas=(beta1, beta2), weight_decay=weight_decay)
        self.iterations = 0

    def learning_rate(self, iteration):
        return self.base_lr * self.gamma ** ((iteration + 1) // self.step_size)

    def update_learning_rate(self):
        for g in self.dis_opt.param_groups + self.gen_opt.param_groups:
            g["lr"] = self.learning_rate(self.iterations)

    def styles(self, n):
        return self.noise((n, self.style_dim, 1, 1)).to(self.dtype)

    def dis_update(self, x_a, x_b):
        s_a, s_b = self.styles(x_a.shape[0]), self.styles(x_b.shape[0])
        with torch.no_grad():
            c_a, _ = self.gen_a.encode(x_a)
            c_b, _ = self.gen_b.encode(x_b)
            x_ba = self.gen_a.decode(c_b, s_a)
            x_ab = self.gen_b.decode(c_a, s_b)
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
        s_a, s_b = self.styles(x_a.shape[0]), self.styles(x_b.shape[0])
        c_a, s_a_prime = self.gen_a.encode(x_a)
        c_b, s_b_prime = self.gen_b.encode(x_b)
        x_a_recon = self.gen_a.decode(c_a, s_a_prime)
        x_b_recon = self.gen_b.decode(c_b, s_b_prime)
        x_ba = self.gen_a.decode(c_b, s_a)
        x_ab = self.gen_b.decode(c_a, s_b)
        c_b_recon, s_a_recon = self.gen_a.encode(x_ba)
        c_a_recon, s_b_recon = self.gen_b.encode(x_ab)
        zero = torch.zeros((), dtype=x_a.dtype)
        if w["recon_x_cyc_w"] > 0:
            cyc_a = l1(self.gen_a.decode(c_a_recon, s_a_prime), x_a)
            cyc_b = l1(self.gen_b.decode(c_b_recon, s_b_prime), x_b)
        else:
            cyc_a = cyc_b = zero
        losses = OrderedDict(
            gen_adv_a=self.dis_a.calc_gen_loss(x_ba),
            gen_adv_b=self.dis_b.calc_gen_loss(x_ab),
            gen_recon_x_a=l1(x_a_recon, x_a),
            gen_recon_x_b=l1(x_b_recon, x_b),
            gen_recon_s_a=l1(s_a_recon, s_a),
            gen_recon_s_b=l1(s_b_recon, s_b),
            gen_recon_c_a=l1(c_a_recon, c_a),
            gen_recon_c_b=l1(c_b_recon, c_b),
            gen_cycrecon_x_a=cyc_a,
            gen_cycrecon_x_b=cyc_b)
        total = (w["gan_w"] * losses["gen_adv_a"] + w["gan_w"] * losses["gen_adv_b"]
                 + w["recon_x_w"] * losses["gen_recon_x_a"] + w["recon_s_w"] * losses["gen_recon_s_a"]
                 + w["recon_c_w"] * losses["gen_recon_c_a"] + w["recon_x_w"] * losses["gen_recon_x_b"]
                 + w["recon_s_w"] * losses["gen_recon_s_b"] + w["recon_c_w"] * losses["gen_recon_c_b"]
                 + w["recon_x_cyc_w"] * losses["gen_cycrecon_x_a"] + w["recon_x_cyc_w"] * losses["gen_cycrecon_x_b"])
        losses["gen_total"] = total
        total.backward()
        self.gen_opt.step()
        set_requires_grad([self.dis_a, self.dis_b], True)
        return losses

    def iteration(self, x_a, x_b, after_dis=None):
        """One iteration of train.py: learning rate, dis_update, gen_update."""
        self.update_learning_rate()
        losses = self.dis_update(x_a, x_b)
        if after_dis is not None:
            after_dis()
        losses.update(self.gen_update(x_a, x_b))
        self.iterations += 1
        return losses

    def translators(self):
        """{'a2b', 'b2a'}: (images, style_images) → the source's content decoded with the style
        the target domain's style encoder reads from style_images (test.py with --style)."""
        return {"a2b": lambda x, s: self.gen_b.decode(self.gen_a.encode(x)[0], self.gen_b.encode(s)[1]),
                "b2a": lambda x, s: self.gen_a.decode(self.gen_b.encode(x)[0], self.gen_a.encode(s)[1])}

    def train(self, mode=True):
        for net in self.nets.values():
            net.train(mode)
