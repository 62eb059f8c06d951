# CoCosNet's training iteration in PyTorch (networks in cocosnet_networks.py, loss terms in
# cocosnet_losses.py), as microsoft/CoCosNet runs it: models/pix2pix_model.py
# (`preprocess_input`, `generate_fake`, `compute_generator_loss`, `compute_discriminator_loss`,
# `discriminate`, `inference`, `create_optimizers`) and trainers/pix2pix_trainer.py
# (`run_generator_one_step`, `run_discriminator_one_step`), at the README's ADE20k options.
#
# One iteration on a batch (label ids, image, exemplar, exemplar label ids, self_ref flags):
#   one-hot label maps (semantic_nc channels, scatter of the ids);
#   G step: VGG19 features (r12 … r52) of the exemplar and of the ground-truth image (frozen);
#     netCorr(exemplar, image, maps): adaptor features (seg, exemplar, then the ground-truth image
#     for the domain-alignment term: one power iteration per adaptor forward), warp_out,
#     warp_mask (and warp_cycle with warp_cycle_w > 0); fake = netG(concat(warp_out, one-hot));
#     netD on concat(one-hot, fake) and concat(one-hot, image) stacked along the batch (one
#     forward: one power iteration); terms, each times its weight: no_vgg_feat (novgg_featpair),
#     G_warp_cycle, G_warp_self (when their weights are > 0), GAN (weight_gan), GAN_Feat
#     (lambda_feat), fm (lambda_vgg·fm_ratio), perc (weight_perceptual), contextual
#     (lambda_vgg·ctx_w), mask (weight_mask, when > 0); their sum back-propagated; Adam on netG +
#     netCorr. With use_vgg False (i2i's `vgg19_weights: none`) fm, perc and contextual are left
#     out and the VGG19 is not run.
#   D step: netD on the stacked (fake detached — the one made before the G update — and real);
#     D_Fake and D_real (hinge, × weight_gan); Adam on netD.
# Optimisers (TTUR): G (netG then netCorr, one group each) lr/2, betas (0, 0.9), eps 1e-3; D 2·lr,
# betas (0, 0.9), eps 1e-8.
from collections import OrderedDict

import torch
import torch.nn.functional as F

from . import cocosnet_losses as L
from .cocosnet_networks import MultiscaleDiscriminator, NoVGGCorrespondence, SPADEGenerator
from .vgg19 import FEATURES, Vgg19, preprocess

# models/networks/__init__.py / base_network.py `init_weights('xavier', 0.02)`, applied to each of
# netG, netCorr, netD after construction: Xavier-normal (gain 0.02) on every Conv/Linear weight,
# spectral norm's weight_orig included (its `weight` attribute aliases it before the first forward).
INIT_GAIN = 0.02

# The README's ADE20k command and the options' defaults (options/train_options.py, base_options.py).
WEIGHTS = dict(novgg_featpair=10.0, weight_gan=10.0, lambda_feat=10.0, lambda_vgg=10.0, fm_ratio=0.1,
               weight_perceptual=0.01, ctx_w=1.0, weight_mask=100.0, warp_cycle_w=0.0, warp_self_w=0.0)


def init_weights(net, gain=INIT_GAIN):
    for m in net.modules():
        name = m.__class__.__name__
        if ("Conv" in name or "Linear" in name) and hasattr(m, "weight"):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            torch.nn.init.xavier_normal_(w.data, gain=gain)
            if getattr(m, "bias", None) is not None:
                torch.nn.init.constant_(m.bias.data, 0.0)


def one_hot(ids, classes):
    """[N, 1, H, W] class ids → [N, classes, H, W] (preprocess_input's scatter_)."""
    n, _, h, w = ids.shape
    return torch.zeros(n, classes, h, w, dtype=torch.float64 if ids.dtype == torch.float64 else torch.float32) \
        .scatter_(1, ids.long(), 1.0)


class CoCosNet:
    """netG, netCorr, netD (the official names and order), the frozen VGG19, the two optimisers."""

    def __init__(self, cfg, vgg_width_divisor=1, weights=None, lr=2e-4, dtype=torch.float32, use_vgg=True,
                 perceptual_layer=-1, use_22ctx=False, temperature=0.01):
        """use_vgg False leaves out fm, perc and contextual (i2i's `vgg19_weights: none`);
        perceptual_layer −1 is relu5_2, −2 relu4_2 (which_perceptual); use_22ctx and temperature
        as the official options."""
        self.cfg = cfg
        self.w = dict(WEIGHTS, **(weights or {}))
        self.use_vgg, self.perceptual_layer = use_vgg, perceptual_layer
        self.use_22ctx, self.temperature = use_22ctx, temperature
        self.netG, self.netCorr, self.netD = SPADEGenerator(cfg), NoVGGCorrespondence(cfg), MultiscaleDiscriminator(cfg)
        self.nets = OrderedDict(netG=self.netG, netCorr=self.netCorr, netD=self.netD)
        for net in self.nets.values():
            init_weights(net)
            net.to(dtype)
        self.vgg = Vgg19(width_divisor=vgg_width_divisor).to(dtype)
        for p in self.vgg.parameters():
            p.requires_grad_(False)
        self.optimizer_G = torch.optim.Adam(
            [{"params": self.netG.parameters(), "lr": lr / 2}, {"params": self.netCorr.parameters(), "lr": lr / 2}],
            lr=lr / 2, betas=(0.0, 0.9), eps=1e-3)
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=lr * 2, betas=(0.0, 0.9))

    def features(self, image):
        return self.vgg(preprocess(image), FEATURES)

    def discriminate(self, semantics, fake, real):
        """netD once on the fake and real pairs stacked along the batch → (pred_fake, pred_real)."""
        out = self.netD(torch.cat([torch.cat([semantics, fake], 1), torch.cat([semantics, real], 1)], 0))
        n = fake.shape[0]
        return [[t[:n] for t in scale] for scale in out], [[t[n:] for t in scale] for scale in out]

    def generator_step(self, label, image, ref, ref_label, self_ref):
        cfg, w = self.cfg, self.w
        semantics, ref_semantics = one_hot(label, cfg.semantic_nc), one_hot(ref_label, cfg.semantic_nc)
        semantics, ref_semantics = semantics.to(image.dtype), ref_semantics.to(image.dtype)
        self.optimizer_G.zero_grad(set_to_none=False)
        if self.use_vgg:
            ref_features = self.features(ref)
            real_features = self.features(image)
        corr = self.netCorr(ref, image, semantics, ref_semantics, temperature=self.temperature,
                            warp_cycle=w["warp_cycle_w"] > 0)
        fake = self.netG(torch.cat([corr["warp_out"], semantics], 1))
        out = OrderedDict()
        out["no_vgg_feat"] = corr["no_vgg_feat"] * w["novgg_featpair"]
        if w["warp_cycle_w"] > 0:
            out["G_warp_cycle"] = L.warp_cycle(corr["warp_cycle"], ref, cfg.down) * w["warp_cycle_w"]
        if w["warp_self_w"] > 0:
            out["G_warp_self"] = L.warp_self(corr["warp_out"], image, self_ref) * w["warp_self_w"]
        pred_fake, pred_real = self.discriminate(semantics, fake, image)
        out["GAN"] = L.hinge_generator(pred_fake) * w["weight_gan"]
        out["GAN_Feat"] = L.discriminator_feature_matching(pred_fake, pred_real) * w["lambda_feat"]
        if self.use_vgg:
            fake_features = self.features(fake)
            out["fm"] = L.feature_matching(fake_features, real_features, self_ref) * w["lambda_vgg"] * w["fm_ratio"]
            out["perc"] = L.perceptual(fake_features, real_features, self.perceptual_layer) * w["weight_perceptual"]
            out["contextual"] = L.contextual_style(fake_features, ref_features, self.use_22ctx) * w["lambda_vgg"] * w["ctx_w"]
        if w["weight_mask"] > 0:
            out["mask"] = L.warped_mask_nll(corr["warp_mask"], label, ref_label) * w["weight_mask"]
        total = sum(out.values())
        total.backward()
        self.optimizer_G.step()
        return out, fake.detach(), semantics

    def discriminator_step(self, fake, image, semantics):
        self.optimizer_D.zero_grad(set_to_none=False)
        pred_fake, pred_real = self.discriminate(semantics, fake, image)
        real_term, fake_term = L.hinge_discriminator(pred_real, pred_fake)
        out = OrderedDict(D_Fake=fake_term * self.w["weight_gan"], D_real=real_term * self.w["weight_gan"])
        sum(out.values()).backward()
        self.optimizer_D.step()
        return out

    def iteration(self, label, image, ref, ref_label, self_ref, after_generator=None):
        """One G step then one D step; the losses, by the official keys."""
        losses, fake, semantics = self.generator_step(label, image, ref, ref_label, self_ref)
        if after_generator is not None:
            after_generator()
        losses.update(self.discriminator_step(fake, image, semantics))
        return losses

    def inference(self, label, ref, ref_label):
        """`inference`: (fake_image, warp_out) with no gradient, the networks as they are."""
        cfg = self.cfg
        with torch.no_grad():
            semantics = one_hot(label, cfg.semantic_nc).to(ref.dtype)
            corr = self.netCorr(ref, None, semantics, one_hot(ref_label, cfg.semantic_nc).to(ref.dtype),
                                temperature=self.temperature)
            return self.netG(torch.cat([corr["warp_out"], semantics], 1)), corr["warp_out"]

    def train(self, mode=True):
        for net in self.nets.values():
            net.train(mode)
