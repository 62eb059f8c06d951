# U-GAT-IT's training iteration in PyTorch (networks in ugatit_networks.py), as
# znxlwm/UGATIT-pytorch `UGATIT.py` (`build_model`, `train`) and `main.py` run it:
#
#   genA2B, genB2A  ResnetGenerator (ngf = ch, n_blocks = n_res, img_size, light)
#   disGA, disGB    Discriminator n_layers 7 (global), disLA, disLB n_layers 5 (local)
#   G_optim         Adam(genA2B + genB2A, lr, betas (0.5, 0.999), weight_decay) — coupled L2
#   D_optim         Adam(disGA + disGB + disLA + disLB, same settings)
#
# One iteration (step counted from 1): with decay_flag and step > iteration // 2 both rates drop
# by lr / (iteration // 2) first; then the D step: fake_A2B = genA2B(A), fake_B2A = genB2A(B);
# every D sees its real domain then the fake (each forward one power iteration of every
# spectral norm in it); per D, MSE(logit_real, 1) + MSE(logit_fake, 0) and the same on the CAM
# logits; D_loss_A = adv·(GA + GA cam + LA + LA cam), D_loss_B likewise; backward, step. Then the
# G step on the same batch: fake_A2B, fake_B2A, the cycles fake_A2B2A, fake_B2A2B, the
# identities fake_A2A = genB2A(A), fake_B2B = genA2B(B); the four Ds on the fakes (MSE to 1 on
# logits and CAM logits); L1 cycle and identity; CAM BCE-with-logits: genB2A's CAM on B → 1 and
# on A → 0 (G_cam_loss_A), genA2B's on A → 1 and on B → 0 (G_cam_loss_B);
# G_loss_A = adv·(4 adversarial terms of disGA/disLA) + cycle·recon_A + identity·identity_A
# + cam·cam_A, G_loss_B likewise; backward, step, then every ρ clamped to [0, 1].
#
# Differences of execution that change no value: the D step's generator forward runs without
# autograd (the official one builds the graph and zeroes the generator gradients before the G
# step), and the discriminators do not require gradients during the G step (the official ones
# collect gradients that the next D step zeroes). After an iteration every parameter's .grad is
# its gradient of that iteration: discriminators from the D loss, generators from the G loss.
from collections import OrderedDict

import torch
import torch.nn.functional as F

from .ugatit_networks import Discriminator, ResnetGenerator, RhoClipper
from .unit_model import l1, set_requires_grad

D_NAMES = ("GA", "LA", "GB", "LB")


def mse(x, target):
    return torch.mean((x - target) ** 2)


def bce_logits(x, target):
    return F.binary_cross_entropy_with_logits(x, torch.full_like(x, float(target)))


class UGATIT:
    """The six networks (official names and order: genA2B, genB2A, disGA, disGB, disLA, disLB),
    the two optimisers and `iteration`."""

    def __init__(self, ch=64, n_res=4, img_size=256, light=False, adv_weight=1.0, cycle_weight=10.0,
                 identity_weight=10.0, cam_weight=1000.0, lr=1e-4, weight_decay=1e-4, iteration=1000000,
                 decay_flag=True, dtype=torch.float32):
        g = dict(input_nc=3, output_nc=3, ngf=ch, n_blocks=n_res, img_size=img_size, light=light)
        self.genA2B, self.genB2A = ResnetGenerator(**g), ResnetGenerator(**g)
        self.disGA, self.disGB = Discriminator(3, ch, 7), Discriminator(3, ch, 7)
        self.disLA, self.disLB = Discriminator(3, ch, 5), Discriminator(3, ch, 5)
        self.nets = OrderedDict(genA2B=self.genA2B, genB2A=self.genB2A, disGA=self.disGA, disGB=self.disGB,
                                disLA=self.disLA, disLB=self.disLB)
        for net in self.nets.values():
            net.to(dtype)
        self.w = dict(adv=adv_weight, cycle=cycle_weight, identity=identity_weight, cam=cam_weight)
        self.lr, self.iterations, self.decay_flag = lr, iteration, decay_flag
        betas = (0.5, 0.999)
        self.G_optim = torch.optim.Adam(list(self.genA2B.parameters()) + list(self.genB2A.parameters()), lr=lr,
                                        betas=betas, weight_decay=weight_decay)
        self.D_optim = torch.optim.Adam([p for k in ("disGA", "disGB", "disLA", "disLB")
                                         for p in self.nets[k].parameters()], lr=lr, betas=betas,
                                        weight_decay=weight_decay)
        self.rho_clipper = RhoClipper(0.0, 1.0)
        self.step = 0

    def dis(self, name):
        return self.nets["dis" + name]

    def dis_update(self, real_A, real_B):
        w = self.w
        with torch.no_grad():
            fake_A2B, _, _ = self.genA2B(real_A)
            fake_B2A, _, _ = self.genB2A(real_B)
        self.D_optim.zero_grad(set_to_none=False)
        real = {n: self.dis(n)(real_A if n.endswith("A") else real_B) for n in D_NAMES}
        fake = {n: self.dis(n)(fake_B2A if n.endswith("A") else fake_A2B) for n in D_NAMES}
        out = OrderedDict()
        for n in D_NAMES:
            out[f"D_ad_loss_{n}"] = mse(real[n][0], 1) + mse(fake[n][0], 0)
            out[f"D_ad_cam_loss_{n}"] = mse(real[n][1], 1) + mse(fake[n][1], 0)
        for d in "AB":
            out[f"D_loss_{d}"] = w["adv"] * (out[f"D_ad_loss_G{d}"] + out[f"D_ad_cam_loss_G{d}"]
                                             + out[f"D_ad_loss_L{d}"] + out[f"D_ad_cam_loss_L{d}"])
        out["Discriminator_loss"] = out["D_loss_A"] + out["D_loss_B"]
        out["Discriminator_loss"].backward()
        self.D_optim.step()
        return out

    def gen_update(self, real_A, real_B):
        w = self.w
        self.G_optim.zero_grad(set_to_none=False)
        dis = [self.dis(n) for n in D_NAMES]
        set_requires_grad(dis, False)
        fake_A2B, fake_A2B_cam_logit, _ = self.genA2B(real_A)
        fake_B2A, fake_B2A_cam_logit, _ = self.genB2A(real_B)
        fake_A2B2A, _, _ = self.genB2A(fake_A2B)
        fake_B2A2B, _, _ = self.genA2B(fake_B2A)
        fake_A2A, fake_A2A_cam_logit, _ = self.genB2A(real_A)
        fake_B2B, fake_B2B_cam_logit, _ = self.genA2B(real_B)
        fake = {n: self.dis(n)(fake_B2A if n.endswith("A") else fake_A2B) for n in D_NAMES}
        out = OrderedDict()
        for n in D_NAMES:
            out[f"G_ad_loss_{n}"] = mse(fake[n][0], 1)
            out[f"G_ad_cam_loss_{n}"] = mse(fake[n][1], 1)
        out["G_recon_loss_A"] = l1(fake_A2B2A, real_A)
        out["G_recon_loss_B"] = l1(fake_B2A2B, real_B)
        out["G_identity_loss_A"] = l1(fake_A2A, real_A)
        out["G_identity_loss_B"] = l1(fake_B2B, real_B)
        out["G_cam_loss_A"] = bce_logits(fake_B2A_cam_logit, 1) + bce_logits(fake_A2A_cam_logit, 0)
        out["G_cam_loss_B"] = bce_logits(fake_A2B_cam_logit, 1) + bce_logits(fake_B2B_cam_logit, 0)
        for d in "AB":
            out[f"G_loss_{d}"] = (w["adv"] * (out[f"G_ad_loss_G{d}"] + out[f"G_ad_cam_loss_G{d}"]
                                              + out[f"G_ad_loss_L{d}"] + out[f"G_ad_cam_loss_L{d}"])
                                  + w["cycle"] * out[f"G_recon_loss_{d}"] + w["identity"] * out[f"G_identity_loss_{d}"]
                                  + w["cam"] * out[f"G_cam_loss_{d}"])
        out["Generator_loss"] = out["G_loss_A"] + out["G_loss_B"]
        out["Generator_loss"].backward()
        self.G_optim.step()
        self.genA2B.apply(self.rho_clipper)
        self.genB2A.apply(self.rho_clipper)
        set_requires_grad(dis, True)
        return out

    def learning_rate(self, step):
        """The rate of `step` (from 1): lr, less lr / (iteration // 2) per step past the half."""
        half = self.iterations // 2
        if not self.decay_flag or step <= half:
            return self.lr
        return self.lr - (self.lr / half) * (step - half)

    def iteration(self, real_A, real_B, after_dis=None):
        self.step += 1
        for opt in (self.G_optim, self.D_optim):
            opt.param_groups[0]["lr"] = self.learning_rate(self.step)
        losses = self.dis_update(real_A, real_B)
        if after_dis is not None:
            after_dis()
        losses.update(self.gen_update(real_A, real_B))
        return losses

    def translators(self):
        """{'a2b', 'b2a'}: images → (translation, heatmap [N, 1, h, w]) as UGATIT.test() runs them
        (the networks in evaluation mode: no power iteration; the generators have no
        mode-dependent layer)."""
        return {"a2b": lambda x: self.genA2B(x)[::2], "b2a": lambda x: self.genB2A(x)[::2]}

    def train(self, mode=True):
        for net in self.nets.values():
            net.train(mode)


def heatmap_image(heatmap, size):
    """utils.py `cam` before its uint8 quantisation and colour map: each heat map [1, h, w] of
    [N, 1, h, w] shifted to min 0 and divided by its max, then resized to size² bilinearly
    (cv2.resize's INTER_LINEAR, half-pixel centres, as F.interpolate with align_corners False)."""
    n = heatmap.shape[0]
    flat = heatmap.reshape(n, -1)
    lo = flat.min(dim=1).values.view(n, 1, 1, 1)
    x = heatmap - lo
    x = x / x.reshape(n, -1).max(dim=1).values.view(n, 1, 1, 1)
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
